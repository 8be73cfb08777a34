"""Selectors: a partner never sees another partner's lines, statements or payouts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from deals.commissions import plans
from deals.commissions import selectors as s
from deals.commissions.services import run_commission_calculation
from deals.models import CommissionRule, Payout
from partners.models import BusinessModel, CompensationPreference
from tests.factories import MembershipFactory, PartnerFactory, UserFactory

from .conftest import AFTER_HOLDS, Q3, pay_everything, won_deal


@pytest.fixture
def books(acme, globex, margin_rule, ops):
    globex.compensation_preference = CompensationPreference.RESALE_MARGIN
    globex.save()
    won_deal(acme, amount="1000")
    won_deal(globex, amount="2000")
    run_commission_calculation(period=Q3, actor=ops)
    pay_everything(Q3, ops)


def partner_ids(queryset):
    return set(queryset.values_list("partner_id", flat=True))


def test_each_persona_sees_only_its_scope(books, personas, acme, globex, distri):
    expected = {
        "acme_admin": {acme.pk},
        "acme_rep": {acme.pk},
        "globex_admin": {globex.pk},
        "distri_admin": set(),  # a distributor does not see what its resellers are owed
        "cam": {acme.pk},
        "other_cam": {globex.pk},
        "ops": {acme.pk, globex.pk},
    }
    for name, user in personas.items():
        assert partner_ids(s.lines_visible_to(user)) == expected[name], name
        assert partner_ids(s.statements_visible_to(user)) == expected[name], name
        assert partner_ids(s.payouts_visible_to(user)) == expected[name], name


def test_lookups_outside_the_scope_answer_404(books, acme_admin, globex):
    other = Payout.objects.get(partner=globex)
    with pytest.raises(Http404):
        s.get_payout_for_user(acme_admin, other.pk)
    with pytest.raises(Http404):
        s.get_statement_for_user(acme_admin, other.statement_id)
    with pytest.raises(Http404):
        s.get_line_for_user(acme_admin, other.lines.get().pk)
    with pytest.raises(Http404):
        s.get_statement_for_user(acme_admin, "not-a-number")


def test_an_anonymous_or_inactive_user_sees_nothing(books, acme_admin):
    from django.contrib.auth.models import AnonymousUser

    acme_admin.is_active = False
    for user in (AnonymousUser(), acme_admin):
        assert not s.lines_visible_to(user).exists()


def test_filters_by_period_and_status(books, ops):
    assert s.lines_visible_to(ops, period=Q3, status="paid").count() == 2
    assert not s.lines_visible_to(ops, period="FY2026-Q4").exists()
    assert s.statements_visible_to(ops, status="paid").count() == 2


def test_only_ops_see_runs(books, ops, cam):
    assert s.runs(ops).count() == 1 and not s.runs(cam).exists()


def test_what_a_partner_is_owed_now_with_the_date_holds_end(acme, margin_rule, ops):
    from deals.commissions.statements import approve_statement
    from deals.models import Statement

    won_deal(acme, amount="1000", closed_on=dt.date(2026, 7, 1))
    won_deal(acme, amount="500", closed_on=dt.date(2026, 9, 25))
    run_commission_calculation(period=Q3, actor=ops)
    approve_statement(statement=Statement.objects.get(), actor=ops, today=dt.date(2026, 10, 1))
    (owed,) = s.owed_to_partner(acme, today=dt.date(2026, 10, 1))
    assert (owed.currency, owed.payable, owed.held) == ("USD", 100, 50)
    assert owed.next_payable_on == dt.date(2026, 10, 25)


def test_the_preview_shows_partner_led_against_vendor_assisted(plan, ops, tiers):
    referral = PartnerFactory(
        business_model=BusinessModel.REFERRAL,
        tier=tiers[0],
        compensation_preference=CompensationPreference.ONE_TIME_FEE,
    )
    plans.save_rule(
        actor=ops,
        plan=plan,
        name="Led",
        kind=CommissionRule.Kind.ONE_TIME_FEE,
        rate=Decimal(20),
        engagement="partner_led",
    )
    plans.save_rule(
        actor=ops,
        plan=plan,
        name="Assisted",
        kind=CommissionRule.Kind.ONE_TIME_FEE,
        rate=Decimal("3.5"),
        engagement="vendor_assisted",
    )
    user = UserFactory()
    MembershipFactory(user=user, partner=referral)
    from deals.models import DealRegistration

    unsaved = DealRegistration(
        partner=referral, estimated_amount=Decimal("40000"), currency="USD", sourcing="sourced"
    )
    got = [(p.engagement, p.amount) for p in s.commission_preview(unsaved)]
    assert got == [("partner_led", Decimal("8000")), ("vendor_assisted", Decimal("1400"))]


def test_the_version_diff_names_what_changed(acme, plan, margin_rule, ops, books):
    plans.save_rule(
        actor=ops, plan=plan, rule=margin_rule, rate=Decimal(12), effective_from=AFTER_HOLDS
    )
    plans.save_rule(
        actor=ops,
        plan=plan,
        name="MSP",
        kind=CommissionRule.Kind.RESALE_MARGIN,
        rate=Decimal(9),
        business_model=BusinessModel.MSP,
        effective_from=AFTER_HOLDS,
    )
    old, new = plan.versions.order_by("number")
    diff = s.plan_version_diff(old, new)
    assert diff["added"] == ["MSP"] and diff["removed"] == []
    assert diff["changed"] == [{"rule": "Resale margin", "fields": {"rate": (10, 12)}}]
