"""Fund requests: eligibility, validation, every transition allowed and refused, routing to
ops above the threshold, partial approval, reservation and release."""

import datetime as dt
from decimal import Decimal

import pytest

from mdf.exceptions import (
    InsufficientFunds,
    InvalidMdfData,
    InvalidTransition,
    MdfNotAllowed,
    NotEligible,
)
from mdf.funds.selectors import eligibility, partner_balance
from mdf.models import FundRequest, MdfSettings
from mdf.requests import selectors
from mdf.requests import services as requests
from partners.models import Partner
from prm.models import AuditEvent, Notification
from tests.enablement.factories import CertificationFactory, PersonCertificationFactory
from tests.factories import TierRequirementFactory

from .conftest import today
from .factories import ActivityTypeFactory, request_values

S = FundRequest.Status


def balance(partner):
    return partner_balance(partner).total


class TestEligibility:
    def test_a_partner_in_a_tier_with_mdf_and_its_certifications_is_eligible(self, funded_acme):
        assert eligibility(funded_acme).eligible

    def test_a_tier_without_mdf_cannot_submit_and_is_told_why(self, make_request, mdf_tiers):
        request = make_request(submit=False)
        Partner.objects.filter(pk=request.partner_id).update(tier=mdf_tiers[0])
        request.partner.refresh_from_db()
        with pytest.raises(NotEligible, match="does not include marketing development funds"):
            requests.submit_request(actor=request.created_by, request=request)

    def test_an_expired_required_certification_breaks_compliance(
        self, make_request, funded_acme, acme_rep
    ):
        TierRequirementFactory(tier=funded_acme.tier, metric="certified_sales", threshold=1)
        PersonCertificationFactory(
            user=acme_rep, partner=funded_acme, certification=CertificationFactory(),
            earned_on=today() - dt.timedelta(days=800), expires_on=today() - dt.timedelta(days=1),
        )  # fmt: skip
        verdict = eligibility(funded_acme)
        assert not verdict.eligible
        assert "Compliance" in verdict.reasons[0] and "certified sales" in verdict.reasons[0]
        with pytest.raises(NotEligible, match="Compliance"):
            make_request()

    def test_a_suspended_partner_cannot_submit(self, make_request, funded_acme):
        Partner.objects.filter(pk=funded_acme.pk).update(status=Partner.Status.SUSPENDED)
        with pytest.raises(NotEligible, match="suspended"):
            make_request()


class TestValidation:
    def test_the_vendor_pays_at_most_the_activitys_share(self, make_request):
        with pytest.raises(InvalidMdfData) as exc:
            make_request(
                requested_amount=Decimal("1000.01"), partner_contribution=Decimal("999.99")
            )
        assert "requested_amount" in exc.value.details

    def test_contributions_must_cover_the_planned_cost(self, make_request):
        with pytest.raises(InvalidMdfData) as exc:
            make_request(partner_contribution=Decimal("500.00"))
        assert "partner_contribution" in exc.value.details

    def test_an_activity_closed_to_the_business_model_is_refused(self, make_request):
        closed = ActivityTypeFactory(name="MSP only", business_models=["msp"])
        with pytest.raises(InvalidMdfData) as exc:
            make_request(activity_type=closed)
        assert "activity_type" in exc.value.details

    def test_the_activity_must_end_within_the_execute_window(self, make_request):
        far = today() + dt.timedelta(days=MdfSettings.current().execute_window_days + 1)
        with pytest.raises(InvalidMdfData, match="within"):
            make_request(starts_on=far, ends_on=far)

    def test_bad_amounts_and_dates_are_named_together(self, make_request):
        with pytest.raises(InvalidMdfData) as exc:
            make_request(planned_cost="abc", ends_on=today() - dt.timedelta(days=300), title=" ")
        assert {"planned_cost", "ends_on", "title"} <= set(exc.value.details)

    def test_another_partners_user_cannot_request_for_acme(
        self, funded_acme, globex_admin, webinar
    ):
        with pytest.raises(MdfNotAllowed):
            requests.create_request(
                actor=globex_admin, partner=funded_acme, **request_values(webinar)
            )


class TestDecisions:
    def test_approval_reserves_the_amount_and_sets_the_claim_due_date(self, make_request, cam):
        request = requests.approve_request(actor=cam, request=make_request(), reason="Good plan")
        assert request.status == S.APPROVED
        assert request.claim_due_on == request.ends_on + dt.timedelta(days=60)
        assert (balance(request.partner).available, balance(request.partner).committed) == (
            Decimal("4000.00"), Decimal("1000.00"),
        )  # fmt: skip
        event = AuditEvent.objects.filter(verb="mdf.request_approved").get()
        assert (event.actor, event.reason, event.to_state) == (cam, "Good plan", S.APPROVED)
        notice = Notification.objects.get(user=request.created_by, kind="mdf_request_decided")
        assert notice.title == f"MDF request approved: {request.title}"
        assert f"{request.currency} 1,000.00 is reserved for it" in notice.body

    def test_partial_approval_reserves_only_the_approved_amount(self, make_request, cam):
        request = requests.approve_request(actor=cam, request=make_request(), amount="600.00")
        assert request.approved_amount == Decimal("600.00")
        assert balance(request.partner).committed == Decimal("600.00")

    def test_approving_more_than_requested_is_refused(self, make_request, cam):
        with pytest.raises(InvalidMdfData):
            requests.approve_request(actor=cam, request=make_request(), amount="1000.01")

    def test_approval_beyond_the_available_funds_is_refused(self, make_request, cam):
        big = {"planned_cost": Decimal("12000"), "partner_contribution": Decimal("6000")}
        request = make_request(requested_amount=Decimal("6000"), **big)
        with pytest.raises(InsufficientFunds, match="5,000.00"):
            requests.approve_request(actor=cam, request=request, amount="5000.01")
        request.refresh_from_db()
        assert request.status == S.SUBMITTED and balance(request.partner).committed == 0

    def test_above_the_threshold_the_cam_approves_then_ops(self, make_request, cam, ops):
        MdfSettings.objects.update_or_create(pk=1, defaults={"ops_approval_threshold": 500})
        request = make_request()
        assert request.needs_ops
        request = requests.approve_request(actor=cam, request=request)
        assert request.status == S.AWAITING_OPS and balance(request.partner).committed == 0
        assert request in selectors.decision_queue(ops)
        assert request not in selectors.decision_queue(cam)
        with pytest.raises(MdfNotAllowed):
            requests.approve_request(actor=cam, request=request)
        request = requests.approve_request(actor=ops, request=request)
        assert request.status == S.APPROVED and balance(request.partner).committed == 1000

    def test_the_submission_records_the_approval_rule_that_applies(self, make_request):
        MdfSettings.objects.update_or_create(pk=1, defaults={"ops_approval_threshold": 500})
        small = {"planned_cost": Decimal("800"), "partner_contribution": Decimal("400")}
        above, below = make_request(), make_request(requested_amount=Decimal("400"), **small)
        rules = {
            r.pk: AuditEvent.objects.get(verb="mdf.request_submitted", object_id=r.pk).rule
            for r in (above, below)
        }
        assert rules[above.pk] == (
            "Above USD 500.00: program ops approve after the channel account manager"
        )
        assert rules[below.pk] == "Up to USD 500.00: the channel account manager decides alone"

    def test_ops_confirm_the_amount_the_cam_approved(self, make_request, cam, ops):
        MdfSettings.objects.update_or_create(pk=1, defaults={"ops_approval_threshold": 500})
        request = requests.approve_request(actor=cam, request=make_request(), amount="700")
        request = requests.approve_request(actor=ops, request=request)
        assert request.approved_amount == Decimal("700.00")
        assert balance(request.partner).committed == Decimal("700.00")

    def test_another_partners_cam_cannot_decide(self, make_request, other_cam):
        with pytest.raises(MdfNotAllowed):
            requests.approve_request(actor=other_cam, request=make_request())

    def test_the_partner_cannot_approve_its_own_request(self, make_request, acme_admin):
        with pytest.raises(MdfNotAllowed):
            requests.approve_request(actor=acme_admin, request=make_request())

    def test_deny_and_return_need_a_reason(self, make_request, cam):
        request = make_request()
        with pytest.raises(InvalidMdfData):
            requests.deny_request(actor=cam, request=request, reason=" ")
        with pytest.raises(InvalidMdfData):
            requests.return_request(actor=cam, request=request, reason="")

    def test_a_returned_request_is_changed_and_submitted_again(self, make_request, cam, acme_rep):
        request = requests.return_request(actor=cam, request=make_request(), reason="Add dates")
        request = requests.update_request(actor=acme_rep, request=request, title="Better webinar")
        request = requests.submit_request(actor=acme_rep, request=request)
        assert (request.status, request.title) == (S.SUBMITTED, "Better webinar")

    def test_a_submitted_request_cannot_be_edited(self, make_request, acme_rep):
        with pytest.raises(InvalidMdfData):
            requests.update_request(actor=acme_rep, request=make_request(), title="Sneaky")


class TestCancel:
    def test_cancelling_an_approved_request_releases_its_reservation(self, approved_request):
        request = requests.cancel_request(
            actor=approved_request.created_by, request=approved_request, reason="Postponed"
        )
        total = balance(request.partner)
        assert request.status == S.CANCELLED
        assert (total.available, total.committed) == (Decimal("5000.00"), 0)
        assert total.by_kind["release"] == Decimal("1000.00") and total.accounted

    def test_a_claimed_request_cannot_be_cancelled(self, claimed_request, acme_rep):
        with pytest.raises(InvalidTransition):
            requests.cancel_request(actor=acme_rep, request=claimed_request)


def _to(state, make_request, cam, ops, acme_rep):
    """A request brought to ``state`` through the services."""
    from mdf.claims import services as claims

    from .conftest import pdf

    request = make_request(submit=False)
    if state == S.DRAFT:
        return request
    request = requests.submit_request(actor=acme_rep, request=request)
    if state == S.SUBMITTED:
        return request
    if state == S.RETURNED:
        return requests.return_request(actor=cam, request=request, reason="r")
    if state == S.DENIED:
        return requests.deny_request(actor=cam, request=request, reason="r")
    if state == S.CANCELLED:
        return requests.cancel_request(actor=acme_rep, request=request)
    request = requests.approve_request(actor=cam, request=request)
    if state == S.APPROVED:
        return request
    claim = claims.save_claim(
        actor=acme_rep, request=request, actual_cost="2000", claimed_amount="1000"
    )
    claims.add_proof(actor=acme_rep, claim=claim, kind="invoice", upload=pdf())
    request = claims.submit_claim(actor=acme_rep, request=request, today=request.ends_on)
    if state == S.CLAIM_SUBMITTED:
        return request
    if state == S.CLAIM_REJECTED:
        return claims.reject_claim(actor=cam, request=request, reason="r")
    request = claims.approve_claim(actor=cam, request=request)
    if state == S.CLAIM_APPROVED:
        return request
    from mdf.claims.payments import PaymentRow, record_payments

    record_payments(actor=ops, rows=[PaymentRow(request.pk, Decimal(1000), today(), "P")])
    request.refresh_from_db()
    return request


ACTIONS = {
    S.SUBMITTED: lambda r, u: requests.submit_request(actor=u["rep"], request=r),
    S.APPROVED: lambda r, u: requests.approve_request(actor=u["cam"], request=r),
    S.DENIED: lambda r, u: requests.deny_request(actor=u["cam"], request=r, reason="no"),
    S.RETURNED: lambda r, u: requests.return_request(actor=u["cam"], request=r, reason="fix"),
    S.CANCELLED: lambda r, u: requests.cancel_request(actor=u["rep"], request=r),
}
STATES = [S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED, S.DENIED, S.CANCELLED,
          S.CLAIM_SUBMITTED, S.CLAIM_APPROVED, S.CLAIM_REJECTED, S.PAID]  # fmt: skip


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("target", list(ACTIONS))
def test_every_request_transition_is_allowed_or_refused_by_the_table(
    state, target, make_request, cam, ops, acme_rep
):
    request = _to(state, make_request, cam, ops, acme_rep)
    assert request.status == state
    users = {"rep": acme_rep, "cam": cam}
    if target in FundRequest.TRANSITIONS[state]:
        assert ACTIONS[target](request, users).status == target
    else:
        with pytest.raises((InvalidTransition, MdfNotAllowed)):
            ACTIONS[target](request, users)
        request.refresh_from_db()
        assert request.status == state
    assert partner_balance(request.partner).total.accounted


def test_a_requirement_never_met_without_an_expiry_does_not_block_requests(funded_acme):
    """Not reaching a tier's certification bar is the tier review's business; a lapse is not."""
    TierRequirementFactory(tier=funded_acme.tier, metric="certified_sales", threshold=3)
    assert eligibility(funded_acme).eligible
