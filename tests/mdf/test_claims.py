"""Claims: proof files checked by content and size, partial approval and release, returns,
deadlines and extensions, lapsed claims, and bulk payments."""

import datetime as dt
from decimal import Decimal

import pytest

from mdf.claims import payments as claim_payments
from mdf.claims import selectors
from mdf.claims import services as claims
from mdf.claims.payments import PaymentRow
from mdf.exceptions import (
    ClaimError,
    InvalidMdfData,
    InvalidTransition,
    MdfNotAllowed,
    PaymentError,
    ProofRejected,
)
from mdf.funds.selectors import partner_balance
from mdf.models import ClaimExtension, FundRequest, MdfPayment, MdfSettings, ProofKind
from tests.deals.conflict_factories import RegistrationFactory

from .conftest import PDF, pdf, today

S = FundRequest.Status
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def totals(partner):
    return partner_balance(partner).total


@pytest.fixture
def claim(approved_request, acme_rep):
    return claims.save_claim(
        actor=acme_rep, request=approved_request, actual_cost="1800.00", claimed_amount="900.00"
    )


class TestProof:
    def test_a_proof_file_is_stored_under_a_generated_name(self, claim, acme_rep):
        proof = claims.add_proof(
            actor=acme_rep, claim=claim, kind="invoice", upload=pdf("Q1 inv.pdf")
        )
        assert proof.original_name == "Q1 inv.pdf" and proof.content_type == "application/pdf"
        assert "Q1" not in proof.file.name and proof.file.name.endswith(".pdf")
        with proof.file.open("rb") as stored:
            assert stored.read() == PDF

    def test_a_renamed_file_of_another_type_is_refused(self, claim, acme_rep):
        with pytest.raises(ProofRejected, match="PNG image"):
            claims.add_proof(actor=acme_rep, claim=claim, kind="invoice", upload=pdf("x.pdf", PNG))
        assert not claim.proof_files.exists()

    def test_an_oversized_file_is_refused(self, claim, acme_rep):
        MdfSettings.objects.update_or_create(pk=1, defaults={"proof_max_bytes": 1024 * 1024})
        big = PDF + b"0" * (1024 * 1024)
        with pytest.raises(ProofRejected, match="limit is 1 MB"):
            claims.add_proof(actor=acme_rep, claim=claim, kind="invoice", upload=pdf("b.pdf", big))

    def test_an_executable_is_refused(self, claim, acme_rep):
        with pytest.raises(ProofRejected, match="Only PDF"):
            claims.add_proof(actor=acme_rep, claim=claim, kind="invoice", upload=pdf("x.exe"))

    def test_proof_is_visible_only_to_the_partner_and_its_vendor_contacts(
        self, claim, acme_rep, acme_admin, cam, ops, globex_admin, other_cam, distri_admin
    ):
        proof = claims.add_proof(actor=acme_rep, claim=claim, kind="invoice", upload=pdf())
        for user in (acme_rep, acme_admin, cam, ops):
            assert selectors.proof_files_visible_to(user).filter(pk=proof.pk).exists()
        for user in (globex_admin, other_cam, distri_admin):
            assert not selectors.proof_files_visible_to(user).filter(pk=proof.pk).exists()

    def test_another_partner_cannot_add_proof(self, claim, globex_admin):
        with pytest.raises(MdfNotAllowed):
            claims.add_proof(actor=globex_admin, claim=claim, kind="invoice", upload=pdf())

    def test_a_claim_without_the_required_proof_cannot_be_submitted(self, claim, acme_rep):
        claim.request.activity_type.required_proof = [ProofKind.INVOICE, ProofKind.LEAD_LIST]
        claim.request.activity_type.save()
        claims.add_proof(actor=acme_rep, claim=claim, kind="invoice", upload=pdf())
        with pytest.raises(ClaimError, match="Lead list"):
            claims.submit_claim(actor=acme_rep, request=claim.request, today=claim.request.ends_on)


class TestClaimValues:
    def test_the_claim_is_at_most_the_approved_amount_and_the_vendor_share(
        self, approved_request, acme_rep
    ):
        with pytest.raises(InvalidMdfData) as exc:
            claims.save_claim(actor=acme_rep, request=approved_request, actual_cost="1000",
                              claimed_amount="500.01")  # fmt: skip
        assert "claimed_amount" in exc.value.details

    def test_only_the_partners_own_registrations_can_be_linked(
        self, approved_request, acme_rep, globex
    ):
        own = RegistrationFactory(partner=approved_request.partner)
        foreign = RegistrationFactory(partner=globex)
        with pytest.raises(InvalidMdfData):
            claims.save_claim(
                actor=acme_rep, request=approved_request, actual_cost="2000",
                claimed_amount="900", registration_ids=[own.pk, foreign.pk],
            )  # fmt: skip
        claim = claims.save_claim(actor=acme_rep, request=approved_request, actual_cost="2000",
                                  claimed_amount="900", registration_ids=[own.pk])  # fmt: skip
        assert list(claim.registrations.all()) == [own]

    def test_a_draft_request_cannot_be_claimed(self, make_request, acme_rep):
        with pytest.raises(ClaimError):
            claims.save_claim(actor=acme_rep, request=make_request(), actual_cost="1",
                              claimed_amount="1")  # fmt: skip


class TestClaimDecisions:
    def test_a_full_approval_keeps_the_approved_amount_committed(self, claimed_request, cam):
        claims.approve_claim(actor=cam, request=claimed_request, amount="900.00")
        total = totals(claimed_request.partner)
        # Reserved 1,000, claimed 900: the unused 100 goes back at once.
        assert (total.committed, total.available) == (Decimal("900.00"), Decimal("4100.00"))

    def test_a_partial_approval_needs_a_reason_and_releases_the_rest(self, claimed_request, cam):
        with pytest.raises(InvalidMdfData):
            claims.approve_claim(actor=cam, request=claimed_request, amount="700.00")
        request = claims.approve_claim(
            actor=cam, request=claimed_request, amount="700.00", reason="No lead list for one day"
        )
        assert request.claim.approved_amount == Decimal("700.00")
        total = totals(request.partner)
        assert (total.committed, total.available) == (Decimal("700.00"), Decimal("4300.00"))
        assert total.accounted

    def test_a_rejected_claim_releases_the_whole_reservation(self, claimed_request, cam):
        request = claims.reject_claim(actor=cam, request=claimed_request, reason="No proof")
        assert request.status == S.CLAIM_REJECTED
        assert (totals(request.partner).committed, totals(request.partner).available) == (
            0, Decimal("5000.00"),
        )  # fmt: skip

    def test_a_returned_claim_is_corrected_and_submitted_again(
        self, claimed_request, cam, acme_rep
    ):
        request = claims.return_claim(actor=cam, request=claimed_request, reason="Wrong invoice")
        assert request.status == S.CLAIM_RETURNED
        claims.save_claim(actor=acme_rep, request=request, actual_cost="1800",
                          claimed_amount="850")  # fmt: skip
        request = claims.submit_claim(actor=acme_rep, request=request, today=request.ends_on)
        assert request.status == S.CLAIM_SUBMITTED and request.claim.claimed_amount == 850

    def test_a_submitted_claim_cannot_be_changed(self, claimed_request, acme_rep):
        with pytest.raises(ClaimError):
            claims.save_claim(actor=acme_rep, request=claimed_request, actual_cost="1",
                              claimed_amount="1")  # fmt: skip

    def test_another_cam_cannot_decide_the_claim(self, claimed_request, other_cam):
        with pytest.raises(MdfNotAllowed):
            claims.approve_claim(actor=other_cam, request=claimed_request)

    def test_an_approved_claim_cannot_be_rejected(self, claimed_request, cam):
        request = claims.approve_claim(actor=cam, request=claimed_request)
        with pytest.raises(InvalidTransition):
            claims.reject_claim(actor=cam, request=request, reason="late")
        assert totals(request.partner).committed == Decimal("900.00")


class TestDeadlines:
    def test_a_claim_before_the_activity_ends_is_refused_and_stays_a_draft(self, claim, acme_rep):
        request = claim.request
        claims.add_proof(actor=acme_rep, claim=claim, kind="invoice", upload=pdf())
        before = request.ends_on - dt.timedelta(days=1)
        with pytest.raises(ClaimError, match="once it has taken place") as refused:
            claims.submit_claim(actor=acme_rep, request=request, today=before)
        assert refused.value.code == "activity_not_over"
        request.refresh_from_db()
        assert request.status == S.APPROVED and request.claim.status == "draft"

    def test_a_claim_can_be_submitted_on_the_day_the_activity_ends(self, claim, acme_rep):
        claims.add_proof(actor=acme_rep, claim=claim, kind="invoice", upload=pdf())
        request = claims.submit_claim(
            actor=acme_rep, request=claim.request, today=claim.request.ends_on
        )
        assert request.status == S.CLAIM_SUBMITTED

    def test_a_claim_after_its_due_date_is_refused(self, claim, acme_rep):
        claims.add_proof(actor=acme_rep, claim=claim, kind="invoice", upload=pdf())
        late = claim.request.claim_due_on + dt.timedelta(days=1)
        with pytest.raises(ClaimError, match="extension"):
            claims.submit_claim(actor=acme_rep, request=claim.request, today=late)

    def test_an_approved_extension_moves_the_due_date(self, claim, acme_rep, cam):
        request = claim.request
        until = request.claim_due_on + dt.timedelta(days=30)
        extension = claims.request_extension(actor=acme_rep, request=request, until=until,
                                             reason="Invoice late")  # fmt: skip
        assert extension in selectors.pending_extensions(cam)
        with pytest.raises(ClaimError, match="already waiting"):
            claims.request_extension(actor=acme_rep, request=request, until=until, reason="again")
        claims.decide_extension(actor=cam, extension=extension, approve=True)
        request.refresh_from_db()
        assert request.claim_due_on == until
        claims.add_proof(actor=acme_rep, claim=claim, kind="invoice", upload=pdf())
        late = until - dt.timedelta(days=1)
        assert claims.submit_claim(actor=acme_rep, request=request, today=late).status == (
            S.CLAIM_SUBMITTED
        )

    def test_a_denied_extension_needs_a_reason_and_keeps_the_date(self, claim, acme_rep, cam):
        due = claim.request.claim_due_on
        extension = claims.request_extension(
            actor=acme_rep, request=claim.request, until=due + dt.timedelta(days=5), reason="x"
        )
        with pytest.raises(InvalidMdfData):
            claims.decide_extension(actor=cam, extension=extension, approve=False)
        extension = claims.decide_extension(actor=cam, extension=extension, approve=False,
                                            reason="Program rules")  # fmt: skip
        claim.request.refresh_from_db()
        assert extension.status == ClaimExtension.Status.DENIED
        assert claim.request.claim_due_on == due

    def test_only_the_partners_cam_decides_an_extension(self, claim, acme_rep, other_cam):
        extension = claims.request_extension(
            actor=acme_rep, request=claim.request,
            until=claim.request.claim_due_on + dt.timedelta(days=5), reason="x",
        )  # fmt: skip
        with pytest.raises(MdfNotAllowed):
            claims.decide_extension(actor=other_cam, extension=extension, approve=True)

    def test_an_extension_must_ask_for_a_later_date(self, approved_request, acme_rep):
        with pytest.raises(InvalidMdfData):
            claims.request_extension(actor=acme_rep, request=approved_request,
                                     until=approved_request.claim_due_on, reason="x")  # fmt: skip

    def test_overdue_claims_lapse_and_release_their_funds(self, approved_request):
        due = approved_request.claim_due_on
        assert claims.lapse_overdue_claims(today=due) == 0
        assert claims.lapse_overdue_claims(today=due + dt.timedelta(days=1)) == 1
        assert claims.lapse_overdue_claims(today=due + dt.timedelta(days=2)) == 0
        approved_request.refresh_from_db()
        assert approved_request.status == S.LAPSED
        assert totals(approved_request.partner).available == Decimal("5000.00")


class TestPayments:
    def test_ops_record_payments_in_bulk(self, claimed_request, make_request, cam, ops, acme_rep):
        from .test_requests import _to

        second = _to(S.CLAIM_APPROVED, make_request, cam, ops, acme_rep)
        claims.approve_claim(actor=cam, request=claimed_request)
        rows = [PaymentRow(claimed_request.pk, Decimal("900.00"), today(), "WIRE-1"),
                PaymentRow(second.pk, Decimal("1000.00"), today(), "WIRE-2")]  # fmt: skip
        payments = claim_payments.record_payments(actor=ops, rows=rows)
        assert len(payments) == 2
        total = totals(claimed_request.partner)
        assert (total.paid, total.committed) == (Decimal("1900.00"), 0) and total.accounted

    def test_the_request_history_shows_the_payment_as_money(
        self, claimed_request, cam, ops, acme_rep, client_for
    ):
        claims.approve_claim(actor=cam, request=claimed_request)
        claim_payments.record_payments(
            actor=ops, rows=[PaymentRow(claimed_request.pk, Decimal("900.00"), today(), "W-1")]
        )
        page = client_for(acme_rep).get(claimed_request.get_absolute_url()).content.decode()
        history = page.split('data-testid="history"', 1)[1]
        assert f"Amount: {claimed_request.currency} 900.00" in history

    def test_one_bad_line_records_nothing_and_is_named(self, claimed_request, cam, ops):
        claims.approve_claim(actor=cam, request=claimed_request)
        rows = [PaymentRow(claimed_request.pk, Decimal("900.00"), today(), "OK", line=2),
                PaymentRow(claimed_request.pk, Decimal("900.00"), today(), "TWICE", line=3),
                PaymentRow(999999, Decimal("1"), today(), "NONE", line=4)]  # fmt: skip
        with pytest.raises(PaymentError) as exc:
            claim_payments.record_payments(actor=ops, rows=rows)
        assert set(exc.value.details["lines"]) == {"3", "4"}
        assert not MdfPayment.objects.exists()

    def test_the_amount_must_be_the_approved_amount(self, claimed_request, cam, ops):
        claims.approve_claim(actor=cam, request=claimed_request)
        with pytest.raises(PaymentError):
            claim_payments.record_payments(
                actor=ops, rows=[PaymentRow(claimed_request.pk, Decimal("901"), today(), "X")]
            )

    def test_a_payment_is_dated_between_the_claims_approval_and_tomorrow(
        self, claimed_request, cam, ops
    ):
        claims.approve_claim(actor=cam, request=claimed_request)
        ahead = today() + dt.timedelta(days=30)
        before = today() - dt.timedelta(days=30)
        rows = [PaymentRow(claimed_request.pk, Decimal("900.00"), ahead, "MDF-FUTURE", line=2)]
        with pytest.raises(PaymentError) as exc:
            claim_payments.record_payments(actor=ops, rows=rows)
        assert exc.value.details["lines"] == {
            "2": f"A payment is recorded once it is sent: {ahead} lies ahead."
        }
        rows = [PaymentRow(claimed_request.pk, Decimal("900.00"), before, "MDF-PAST", line=2)]
        with pytest.raises(PaymentError) as exc:
            claim_payments.record_payments(actor=ops, rows=rows)
        assert "before the claim was approved" in exc.value.details["lines"]["2"]
        assert not MdfPayment.objects.exists()

    def test_the_partner_is_told_the_amount_approved_then_the_payment(
        self, claimed_request, cam, ops, acme_rep
    ):
        from prm.models import Notification

        claims.approve_claim(
            actor=cam, request=claimed_request, amount="600", reason="Two invoices missing"
        )
        approved = Notification.objects.filter(user=acme_rep, kind="mdf_claim_decided").latest("pk")
        currency = claimed_request.currency
        assert f"Approved: {currency} 600.00 of the {currency} 900.00 claimed." in approved.body
        assert "Two invoices missing" in approved.body
        claim_payments.record_payments(
            actor=ops, rows=[PaymentRow(claimed_request.pk, Decimal("600.00"), today(), "W-7")]
        )
        paid = Notification.objects.filter(user=acme_rep, kind="mdf_claim_decided").latest("pk")
        assert (
            f"Paid: {currency} 600.00 on {today().isoformat()}, payment reference W-7." in paid.body
        )

    def test_the_request_page_gives_the_claims_reason_once_the_claim_is_decided(
        self, claimed_request, cam, acme_rep, client_for
    ):
        claims.approve_claim(
            actor=cam, request=claimed_request, amount="600", reason="Two invoices missing"
        )
        page = client_for(acme_rep).get(claimed_request.get_absolute_url()).content.decode()
        callout = page.split('data-testid="decision-reason"', 1)[1].split("</div>", 1)[0]
        assert "Reason given for the claim:" in callout and "Two invoices missing" in callout

    def test_only_ops_record_payments(self, claimed_request, cam):
        claims.approve_claim(actor=cam, request=claimed_request)
        with pytest.raises(MdfNotAllowed):
            claim_payments.record_payments(
                actor=cam, rows=[PaymentRow(claimed_request.pk, Decimal("900"), today(), "X")]
            )

    def test_a_payment_csv_is_read_with_line_numbers(self):
        text = "request,amount,paid_on,reference\n7,100.00,2026-03-01,W1\n8,abc,2026-03-01,W2\n"
        with pytest.raises(PaymentError) as exc:
            claim_payments.parse_payment_csv(text.encode())
        assert list(exc.value.details["lines"]) == ["3"]
        rows = claim_payments.parse_payment_csv(text.splitlines()[0] + "\n" + text.splitlines()[1])
        assert rows == [PaymentRow(7, Decimal("100.00"), dt.date(2026, 3, 1), "W1", line=2)]
