"""Holds, approvals, payouts, clawbacks, negative balances and statement totals."""

import datetime as dt
from decimal import Decimal

import pytest

from deals.commissions.exceptions import CommissionNotAllowed, PayoutMismatch
from deals.commissions.services import reverse_line, run_commission_calculation
from deals.commissions.statements import (
    approve_statement,
    approve_statements,
    record_payout,
    statement_totals,
)
from deals.models import CommissionLine, DealRegistration, Statement
from prm.exceptions import InvalidTransition
from prm.models import AuditEvent

from .conftest import AFTER_HOLDS, Q3, Q4, pay_everything, won_deal

S = CommissionLine.Status
START = dt.date(2026, 7, 1)


def statement_of(partner, period, currency="USD") -> Statement:
    return Statement.objects.get(partner=partner, period=period, currency=currency)


def test_lines_are_held_for_the_hold_days_after_the_close_date(acme, margin_rule, ops):
    won_deal(acme, closed_on=dt.date(2026, 9, 20))
    early = won_deal(acme, closed_on=dt.date(2026, 7, 2))
    run_commission_calculation(period=Q3, actor=ops)
    approve_statement(statement=statement_of(acme, Q3), actor=ops, today=dt.date(2026, 10, 1))
    got = {line.deal_id: (line.status, line.hold_until) for line in CommissionLine.objects.all()}
    assert got[early.pk] == (S.APPROVED, dt.date(2026, 8, 1))
    assert sorted(got.values())[-1] == (S.HELD, dt.date(2026, 10, 20))
    assert AuditEvent.objects.filter(verb="commission_line_held").count() == 1
    assert AuditEvent.objects.filter(verb="commission_line_approved").count() == 1


def test_a_held_line_is_approved_by_a_later_statement_once_its_hold_ends(acme, margin_rule, ops):
    won_deal(acme, amount="1000", closed_on=dt.date(2026, 9, 20))
    run_commission_calculation(period=Q3, actor=ops)
    approve_statement(statement=statement_of(acme, Q3), actor=ops, today=dt.date(2026, 10, 1))
    won_deal(acme, amount="500", closed_on=dt.date(2026, 10, 2))
    run_commission_calculation(period=Q4, actor=ops)
    q4 = statement_of(acme, Q4)
    approve_statement(statement=q4, actor=ops, today=dt.date(2026, 12, 31))
    assert statement_totals(q4).payable == Decimal("150")
    record_payout(
        statement=q4,
        actor=ops,
        amount="150.00",
        paid_on=dt.date(2026, 12, 31),
        external_reference="WIRE-1",
    )
    assert set(CommissionLine.objects.values_list("status", flat=True)) == {S.PAID}


def test_a_payout_must_equal_what_is_approved_and_needs_a_reference(acme, margin_rule, ops):
    won_deal(acme, amount="1000")
    run_commission_calculation(period=Q3, actor=ops)
    statement = statement_of(acme, Q3)
    with pytest.raises(PayoutMismatch, match="approved statement"):
        record_payout(
            statement=statement,
            actor=ops,
            amount="100",
            paid_on=AFTER_HOLDS,
            external_reference="X",
        )
    approve_statement(statement=statement, actor=ops, today=AFTER_HOLDS)
    with pytest.raises(PayoutMismatch, match="100.00"):
        record_payout(
            statement=statement, actor=ops, amount="90", paid_on=AFTER_HOLDS, external_reference="X"
        )
    with pytest.raises(PayoutMismatch, match="reference"):
        record_payout(
            statement=statement,
            actor=ops,
            amount="100",
            paid_on=AFTER_HOLDS,
            external_reference=" ",
        )
    payout = record_payout(
        statement=statement, actor=ops, amount="100", paid_on=AFTER_HOLDS, external_reference="X"
    )
    assert payout.lines.count() == 1
    statement.refresh_from_db()
    assert statement.status == Statement.Status.PAID


def test_only_ops_approve_and_pay(acme, acme_admin, cam, margin_rule, ops):
    won_deal(acme)
    run_commission_calculation(period=Q3, actor=ops)
    for user in (acme_admin, cam):
        with pytest.raises(CommissionNotAllowed):
            approve_statement(statement=statement_of(acme, Q3), actor=user)


def test_a_refund_after_payment_is_clawed_back_in_the_next_period_and_paid_lines_stay(
    acme, margin_rule, ops
):
    deal = won_deal(acme, amount="1000")
    run_commission_calculation(period=Q3, actor=ops)
    pay_everything(Q3, ops)
    paid = CommissionLine.objects.get()
    DealRegistration.objects.filter(pk=deal.pk).update(closed_amount=Decimal("400"))
    run_commission_calculation(period=Q4, actor=ops)
    paid_again = CommissionLine.objects.get(pk=paid.pk)
    assert (paid_again.amount, paid_again.status, paid_again.updated_at) == (
        Decimal("100"),
        S.PAID,
        paid.updated_at,
    )
    clawback = CommissionLine.objects.get(period=Q4)
    assert (clawback.kind, clawback.amount) == ("clawback", Decimal("-60"))
    assert "100" in clawback.reason and "40" in clawback.reason


def test_a_clawback_larger_than_earnings_leaves_a_negative_balance_that_explains_itself(
    acme, margin_rule, ops
):
    deal = won_deal(acme, amount="1000")
    run_commission_calculation(period=Q3, actor=ops)
    pay_everything(Q3, ops)
    DealRegistration.objects.filter(pk=deal.pk).update(status=DealRegistration.Status.LOST)
    won_deal(acme, amount="300", closed_on=dt.date(2026, 10, 1))
    run_commission_calculation(period=Q4, actor=ops)
    q4 = statement_of(acme, Q4)
    approve_statement(statement=q4, actor=ops, today=AFTER_HOLDS)
    totals = statement_totals(q4)
    assert (totals.opening, totals.earned, totals.clawed_back) == (0, 30, -100)
    assert totals.closing == Decimal("-70") and totals.payable == Decimal("-70")
    with pytest.raises(PayoutMismatch, match="clawbacks exceed"):
        record_payout(
            statement=q4, actor=ops, amount="0.01", paid_on=AFTER_HOLDS, external_reference="X"
        )
    clawback = CommissionLine.objects.get(kind="clawback")
    assert "no longer won" in clawback.reason


def test_a_deal_reassigned_to_another_partner_moves_its_commission(acme, globex, margin_rule, ops):
    from partners.models import CompensationPreference

    globex.compensation_preference = CompensationPreference.RESALE_MARGIN
    globex.save()
    deal = won_deal(acme, amount="1000")
    run_commission_calculation(period=Q3, actor=ops)
    pay_everything(Q3, ops)
    DealRegistration.objects.filter(pk=deal.pk).update(partner=globex)
    run_commission_calculation(period=Q4, actor=ops)
    q4 = {
        (line.partner_id, line.kind): line.amount
        for line in CommissionLine.objects.filter(period=Q4)
    }
    assert q4 == {(acme.pk, "clawback"): Decimal("-100"), (globex.pk, "adjustment"): Decimal("100")}
    assert "reassigned" in CommissionLine.objects.get(kind="clawback").reason


def test_a_re_priced_deal_before_approval_updates_its_pending_line(acme, margin_rule, ops):
    deal = won_deal(acme, amount="1000")
    run_commission_calculation(period=Q3, actor=ops)
    DealRegistration.objects.filter(pk=deal.pk).update(closed_amount=Decimal("2000"))
    run = run_commission_calculation(period=Q3, actor=ops)
    assert (run.lines_created, run.lines_updated) == (0, 1)
    assert CommissionLine.objects.get().amount == 200


def test_a_reversed_line_is_not_paid_again(acme, margin_rule, ops):
    won_deal(acme, amount="1000")
    run_commission_calculation(period=Q3, actor=ops)
    line = CommissionLine.objects.get()
    reverse_line(actor=ops, line=line, reason="Duplicate registration")
    run_commission_calculation(period=Q4, actor=ops)
    assert CommissionLine.objects.count() == 1
    assert statement_totals(statement_of(acme, Q3)).earned == 0


def test_a_paid_line_cannot_be_reversed(acme, margin_rule, ops):
    won_deal(acme, amount="1000")
    run_commission_calculation(period=Q3, actor=ops)
    pay_everything(Q3, ops)
    with pytest.raises(InvalidTransition):
        reverse_line(actor=ops, line=CommissionLine.objects.get(), reason="Oops")


def test_statement_totals_equal_the_sum_of_their_lines(acme, globex, margin_rule, ops):
    from deals.models import Spiff

    Spiff.objects.create(
        name="Q3 push",
        starts_on=dt.date(2026, 7, 1),
        ends_on=dt.date(2026, 9, 30),
        extra_rate=Decimal(5),
    )
    for amount in ("1000", "333.33", "12.35"):
        won_deal(acme, amount=amount)
    refunded = won_deal(acme, amount="800", closed_on=dt.date(2026, 7, 5))
    run_commission_calculation(period=Q3, actor=ops)
    pay_everything(Q3, ops)
    DealRegistration.objects.filter(pk=refunded.pk).update(closed_amount=Decimal("100"))
    won_deal(acme, amount="999.99", closed_on=dt.date(2026, 12, 1))
    run_commission_calculation(period=Q4, actor=ops)
    approve_statements(statements=list(Statement.objects.filter(period=Q4)), actor=ops)
    for statement in Statement.objects.all():
        totals = statement_totals(statement)
        lines = CommissionLine.objects.filter(
            partner=statement.partner, period=statement.period, currency=statement.currency
        )
        total = sum(line.amount for line in lines)
        assert totals.lines_total == total
        assert totals.pending + totals.held + totals.approved + totals.paid == total
        assert totals.closing == totals.opening + total - totals.paid_out
    q3, q4 = statement_of(acme, Q3), statement_of(acme, Q4)
    assert statement_totals(q4).opening == statement_totals(q3).closing == 0
    assert statement_totals(q4).clawed_back == Decimal("-70")


def test_approving_a_later_statement_approves_the_earlier_drafts_with_their_own_lines(
    acme, globex, margin_rule, ops
):
    won_deal(acme, amount="1000", closed_on=dt.date(2026, 7, 2))
    won_deal(globex, amount="2000", closed_on=dt.date(2026, 7, 2))
    run_commission_calculation(period=Q3, actor=ops)
    won_deal(acme, amount="500", closed_on=dt.date(2026, 10, 2))
    run_commission_calculation(period=Q4, actor=ops)
    q3, q4 = statement_of(acme, Q3), statement_of(acme, Q4)

    approve_statement(statement=q4, actor=ops, today=AFTER_HOLDS)

    q3.refresh_from_db()
    assert q3.status == Statement.Status.APPROVED
    assert statement_of(globex, Q3).status == Statement.Status.DRAFT  # another partner's
    reasons = {
        line.period: AuditEvent.objects.get(
            verb="commission_line_approved", object_id=line.pk
        ).reason
        for line in CommissionLine.objects.filter(partner=acme)
    }
    assert reasons == {Q3: f"Statement {q3} approved", Q4: f"Statement {q4} approved"}
    approval = AuditEvent.objects.get(verb="statement_approved", object_id=q3.pk)
    assert approval.data == {"approved": 1, "held": 0, "with_statement": q4.pk, "with_period": Q4}

    record_payout(
        statement=q4, actor=ops, amount="150", paid_on=AFTER_HOLDS, external_reference="WIRE-9"
    )
    q3.refresh_from_db()
    assert q3.status == Statement.Status.PAID
    settled = AuditEvent.objects.get(verb="statement_settled", object_id=q3.pk)
    assert settled.data["with_statement"] == q4.pk
    assert (statement_totals(q3).payable, statement_totals(q4).payable) == (0, 0)


@pytest.fixture
def approved_together(acme, margin_rule, ops):
    """Acme's Q3 (USD 100 of commission) and Q4 (USD 50) statements, approved together with Q4
    after the holds."""
    won_deal(acme, amount="1000", closed_on=dt.date(2026, 7, 2))
    run_commission_calculation(period=Q3, actor=ops)
    won_deal(acme, amount="500", closed_on=dt.date(2026, 10, 2))
    run_commission_calculation(period=Q4, actor=ops)
    q3, q4 = statement_of(acme, Q3), statement_of(acme, Q4)
    approve_statement(statement=q4, actor=ops, today=AFTER_HOLDS)
    return q3, q4


def test_paying_an_earlier_statement_leaves_the_later_one_to_pay(approved_together, ops):
    q3, q4 = approved_together

    with pytest.raises(PayoutMismatch, match=r"approved amount USD 100\.00, not USD 150\.00"):
        record_payout(
            statement=q3, actor=ops, amount="150", paid_on=AFTER_HOLDS, external_reference="W"
        )
    record_payout(
        statement=q3, actor=ops, amount="100", paid_on=AFTER_HOLDS, external_reference="W"
    )
    q4.refresh_from_db()
    assert q4.status == Statement.Status.APPROVED
    assert statement_totals(q4).payable == Decimal("50")


def test_a_held_line_becomes_payable_when_its_hold_ends_without_a_later_statement(
    acme, margin_rule, ops, client_for
):
    """Approved during the hold, the statement has nothing to pay until the hold ends; then the
    line is released (by the nightly job or by the payout itself) and paid."""
    import time_machine
    from django.urls import reverse

    from deals.commissions.statements import release_held_lines, statement_payouts

    won_deal(acme, amount="1000", closed_on=dt.date(2026, 11, 5))  # held until 2026-12-05
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), tick=False):
        run_commission_calculation(period=Q4, actor=ops)
        q4 = statement_of(acme, Q4)
        approve_statement(statement=q4, actor=ops)
        assert CommissionLine.objects.get().status == S.HELD
        assert statement_totals(q4).payable == 0
        with pytest.raises(PayoutMismatch, match=r"USD 100\.00 is held .* until 2026-12-05"):
            record_payout(statement=q4, actor=ops, amount="0", paid_on=dt.date(2026, 11, 20),
                          external_reference="W-0")  # fmt: skip
        assert release_held_lines() == 0
        page = client_for(ops).get(reverse("deals:commission_statement_detail", args=[q4.pk]))
        assert 'data-testid="nothing-payable"' in page.content.decode()
        assert 'data-testid="payout-form"' not in page.content.decode()
    with time_machine.travel(dt.datetime(2026, 12, 6, 9, tzinfo=dt.UTC), tick=False):
        assert statement_totals(q4).payable == Decimal("100")  # what the payout form offers
        payout = record_payout(statement=q4, actor=ops, amount="100", paid_on=dt.date(2026, 12, 6),
                               external_reference="W-1")  # fmt: skip
    line = CommissionLine.objects.get()
    assert (line.status, line.payout) == (S.PAID, payout)
    release = AuditEvent.objects.get(verb="commission_line_approved", object_id=line.pk)
    assert (release.actor, release.reason) == (None, "Hold ended")
    assert statement_payouts(q4) == [payout]


def test_the_nightly_release_approves_only_lines_whose_hold_has_ended(
    acme, globex, margin_rule, ops
):
    from deals.commissions.statements import release_held_lines

    won_deal(acme, amount="1000", closed_on=dt.date(2026, 10, 10))  # held until 2026-11-09
    won_deal(globex, amount="1000", closed_on=dt.date(2026, 11, 5))  # held until 2026-12-05
    run_commission_calculation(period=Q4, actor=ops)
    approve_statements(statements=Statement.objects.all(), actor=ops)
    CommissionLine.objects.update(status=S.HELD)  # as approved on 2026-10-15
    assert release_held_lines(today=dt.date(2026, 11, 30)) == 1
    assert dict(CommissionLine.objects.values_list("partner__display_name", "status")) == {
        "Acme": S.APPROVED,
        "Globex": S.HELD,
    }
    assert release_held_lines(today=dt.date(2026, 11, 30)) == 0


def test_a_statement_paid_with_a_later_one_names_that_payout(
    approved_together, acme_admin, ops, client_for
):
    from django.urls import reverse

    from deals.commissions.statements import statement_payouts
    from prm.models import Notification

    q3, q4 = approved_together
    payout = record_payout(
        statement=q4, actor=ops, amount="150", paid_on=AFTER_HOLDS, external_reference="WIRE-9"
    )
    assert statement_payouts(q3) == [payout] and statement_payouts(q4) == [payout]
    page = client_for(ops).get(reverse("deals:commission_statement_detail", args=[q3.pk]))
    body = page.content.decode()
    assert 'data-testid="settled-with"' in body and "WIRE-9" in body
    assert reverse("deals:commission_statement_detail", args=[q4.pk]) in body
    csv = client_for(ops).get(reverse("deals:commission_statement_csv", args=[q3.pk]))
    assert (
        f"{payout.pk},{AFTER_HOLDS},USD,150.00,WIRE-9,{Q4}"
        in b"".join(csv.streaming_content).decode()
    )
    # The partner is told which periods' commissions the payout paid.
    note = Notification.objects.get(kind="commission_paid", user=acme_admin)
    assert f"for your commissions of {Q3}, {Q4} was sent on" in note.body


def test_a_payout_cannot_be_dated_before_its_statement_was_approved(acme, margin_rule, ops):
    import time_machine

    won_deal(acme, amount="1000", closed_on=dt.date(2026, 7, 2))
    run_commission_calculation(period=Q3, actor=ops)
    q3 = statement_of(acme, Q3)
    with time_machine.travel(dt.datetime(2026, 10, 15, 9, tzinfo=dt.UTC), tick=False):
        approve_statement(statement=q3, actor=ops)
        with pytest.raises(PayoutMismatch, match="date it 2026-10-15 or later") as refused:
            record_payout(statement=q3, actor=ops, amount="100", paid_on=dt.date(1900, 1, 1),
                          external_reference="OLD-1")  # fmt: skip
        assert refused.value.details["paid_on"] == "On or after 2026-10-15, the day of approval."
        assert not q3.payouts.exists()
        record_payout(statement=q3, actor=ops, amount="100", paid_on=dt.date(2026, 10, 15),
                      external_reference="W-1")  # fmt: skip


def test_an_earlier_statement_with_a_held_line_stays_open_until_that_line_is_paid(
    acme, margin_rule, ops
):
    """Q3's line is still in its hold when Q4 is approved and paid: Q3 is approved with Q4 but
    not settled by Q4's payout; once the hold ends, its own payout pays the line."""
    import time_machine

    from deals.commissions.statements import release_held_lines

    won_deal(acme, amount="1000", closed_on=dt.date(2026, 9, 28))  # held until 2026-10-28
    run_commission_calculation(period=Q3, actor=ops)
    won_deal(acme, amount="500", closed_on=dt.date(2026, 9, 1))  # a late Q3 win, paid in Q4
    won_deal(acme, amount="2000", closed_on=dt.date(2026, 10, 1))  # held until 2026-10-31
    run_commission_calculation(period=Q4, actor=ops)
    q3, q4 = statement_of(acme, Q3), statement_of(acme, Q4)
    CommissionLine.objects.filter(deal__closed_on=dt.date(2026, 9, 28)).update(
        hold_until=dt.date(2026, 12, 20)  # a longer hold for this one
    )
    with time_machine.travel(dt.datetime(2026, 11, 15, 9, tzinfo=dt.UTC), tick=False):
        approve_statement(statement=q4, actor=ops)
        payable = statement_totals(q4).payable
        record_payout(statement=q4, actor=ops, amount=payable, paid_on=dt.date(2026, 11, 15),
                      external_reference="W-Q4")  # fmt: skip
    q3.refresh_from_db()
    q4.refresh_from_db()
    assert (q3.status, q4.status) == (Statement.Status.APPROVED, Statement.Status.PAID)
    held = CommissionLine.objects.get(deal__closed_on=dt.date(2026, 9, 28))
    assert held.status == S.HELD
    with time_machine.travel(dt.datetime(2026, 12, 21, 9, tzinfo=dt.UTC), tick=False):
        assert release_held_lines() == 1
        record_payout(statement=q3, actor=ops, amount="100", paid_on=dt.date(2026, 12, 21),
                      external_reference="W-Q3")  # fmt: skip
    q3.refresh_from_db()
    held.refresh_from_db()
    assert (q3.status, held.status) == (Statement.Status.PAID, S.PAID)


def test_a_payout_leaves_its_statement_open_while_one_of_its_lines_is_held(acme, margin_rule, ops):
    import time_machine

    won_deal(acme, amount="1000", closed_on=dt.date(2026, 10, 1))  # held until 2026-10-31
    won_deal(acme, amount="2000", closed_on=dt.date(2026, 11, 20))  # held until 2026-12-20
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC), tick=False):
        run_commission_calculation(period=Q4, actor=ops)
        q4 = statement_of(acme, Q4)
        approve_statement(statement=q4, actor=ops)
        record_payout(statement=q4, actor=ops, amount="100", paid_on=dt.date(2026, 11, 25),
                      external_reference="W-1")  # fmt: skip
    q4.refresh_from_db()
    assert q4.status == Statement.Status.APPROVED  # USD 200 still held
    with time_machine.travel(dt.datetime(2026, 12, 21, 9, tzinfo=dt.UTC), tick=False):
        assert statement_totals(q4).payable == Decimal("200")
        record_payout(statement=q4, actor=ops, amount="200", paid_on=dt.date(2026, 12, 21),
                      external_reference="W-2")  # fmt: skip
    q4.refresh_from_db()
    assert q4.status == Statement.Status.PAID
    assert list(q4.payouts.order_by("pk").values_list("external_reference", flat=True)) == [
        "W-1", "W-2",
    ]  # fmt: skip
