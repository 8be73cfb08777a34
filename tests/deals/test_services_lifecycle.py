"""The registration lifecycle: creating, editing, submitting and withdrawing (the vendor's
decisions: ``test_decisions``; the outcome of an approved deal: ``test_outcome``)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from deals import services
from deals.exceptions import (
    DealNotAllowed,
    DuplicateRegistration,
    InvalidDealData,
    NotEditable,
    PartnerCannotRegister,
    ResubmissionLimitReached,
)
from deals.models import DealConflict, DealRegistration
from deals.selectors import deals_visible_to
from partners.models import Partner, PartnerMembership
from prm.audit import events_for
from prm.exceptions import InvalidTransition
from tests.factories import MembershipFactory

from .factories import DealFactory, registration_kwargs

pytestmark = pytest.mark.django_db
Status = DealRegistration.Status
TODAY = timezone.localdate


# --- Creating ----------------------------------------------------------------------------------


class TestCreateRegistration:
    def test_submits_with_normalised_fields_audit_and_a_due_time(self, acme, acme_rep, cam):
        registration = services.create_registration(
            actor=acme_rep,
            partner=acme,
            **registration_kwargs(
                customer_name="The Initech Corporation, Inc.",
                customer_domain="https://shop.initech.co.uk/about",
                contact_email="Peter@Initech.co.uk",
                estimated_amount="12,500.5",
            ),
        )
        registration.refresh_from_db()
        assert registration.status == Status.SUBMITTED
        assert registration.customer_name_normalized == "initech"
        assert registration.customer_domain == "initech.co.uk"
        assert registration.contact_email == "peter@initech.co.uk"
        assert registration.contact_email_domain == "initech.co.uk"
        assert (registration.country, registration.currency) == ("US", "USD")
        assert registration.estimated_amount == Decimal("12500.50")
        assert registration.distributor is None
        assert registration.first_submitted_at == registration.submitted_at
        assert registration.sla_due_at > registration.submitted_at
        verbs = [e.verb for e in events_for(registration).order_by("id")]
        assert verbs == ["deal.created", "deal.submitted"]

    def test_the_channel_manager_is_told_of_a_new_registration(
        self, acme, acme_rep, cam, run_on_commit, mailoutbox
    ):
        with run_on_commit():
            registration = services.create_registration(
                actor=acme_rep, partner=acme, **registration_kwargs()
            )
        assert [m.to for m in mailoutbox] == [[cam.email]]
        assert registration.customer_name in mailoutbox[0].subject
        notice = cam.notifications.get(kind="deal_submitted")
        assert f"Estimated {registration.currency} 48,000.00, expected to close" in notice.body

    def test_partners_without_a_manager_go_to_program_ops(
        self, acme, acme_rep, ops, run_on_commit, mailoutbox
    ):
        acme.channel_manager = None
        acme.save()
        with run_on_commit():
            services.create_registration(actor=acme_rep, partner=acme, **registration_kwargs())
        assert [m.to for m in mailoutbox] == [[ops.email]]

    def test_a_draft_is_not_submitted(self, acme, acme_rep):
        registration = services.create_registration(
            actor=acme_rep, partner=acme, submit=False, **registration_kwargs()
        )
        assert registration.status == Status.DRAFT
        assert registration.first_submitted_at is None
        assert registration.sla_due_at is None

    def test_every_bad_field_is_named_at_once(self, acme, acme_rep):
        with pytest.raises(InvalidDealData) as caught:
            services.create_registration(
                actor=acme_rep,
                partner=acme,
                **registration_kwargs(
                    customer_name="  ",
                    country="UK",
                    currency="ABC",
                    estimated_amount="-5",
                    expected_close_date=TODAY() - dt.timedelta(days=1),
                    contact_email="not-an-email",
                    customer_domain="localhost",
                    sourcing="bought",
                ),
            )
        assert set(caught.value.details) == {
            "customer_name",
            "country",
            "currency",
            "estimated_amount",
            "expected_close_date",
            "contact_email",
            "customer_domain",
            "sourcing",
        }
        assert "UK is not an ISO 3166 country code" in caught.value.details["country"]
        assert not DealRegistration.objects.exists()

    def test_a_float_amount_is_refused(self, acme, acme_rep):
        with pytest.raises(InvalidDealData) as caught:
            services.create_registration(
                actor=acme_rep, partner=acme, **registration_kwargs(estimated_amount=1000.5)
            )
        assert "estimated_amount" in caught.value.details

    def test_another_partners_user_cannot_register_for_acme(self, acme, globex_admin):
        with pytest.raises(DealNotAllowed):
            services.create_registration(actor=globex_admin, partner=acme, **registration_kwargs())

    def test_a_distributor_admin_registers_on_behalf_of_its_reseller(
        self, acme, distri, distri_admin, acme_admin
    ):
        registration = services.create_registration(
            actor=distri_admin, partner=acme, **registration_kwargs()
        )
        assert registration.partner == acme
        assert registration.distributor == distri
        assert registration.registered_by == distri_admin
        assert deals_visible_to(acme_admin).filter(pk=registration.pk).exists()

    def test_a_distributor_rep_cannot_register_for_a_reseller(self, acme, distri):
        rep = MembershipFactory(partner=distri, role=PartnerMembership.Role.REP).user
        with pytest.raises(DealNotAllowed):
            services.create_registration(actor=rep, partner=acme, **registration_kwargs())

    def test_internal_staff_do_not_register_deals(self, acme, cam, ops):
        for actor in (cam, ops):
            with pytest.raises(DealNotAllowed):
                services.create_registration(actor=actor, partner=acme, **registration_kwargs())

    def test_a_suspended_partner_cannot_register(self, acme, acme_rep):
        Partner.objects.filter(pk=acme.pk).update(status=Partner.Status.SUSPENDED)
        acme.refresh_from_db()
        with pytest.raises(PartnerCannotRegister):
            services.create_registration(actor=acme_rep, partner=acme, **registration_kwargs())

    def test_a_crm_reference_is_used_once_per_partner(self, acme, acme_rep, globex, globex_admin):
        services.create_registration(
            actor=acme_rep, partner=acme, **registration_kwargs(external_ref="SF-1")
        )
        with pytest.raises(DuplicateRegistration):
            services.create_registration(
                actor=acme_rep, partner=acme, **registration_kwargs(external_ref="SF-1")
            )
        other = services.create_registration(
            actor=globex_admin, partner=globex, **registration_kwargs(external_ref="SF-1")
        )
        assert other.external_ref == "SF-1"


# --- Editing -----------------------------------------------------------------------------------


class TestUpdateRegistration:
    @pytest.mark.parametrize("status", [Status.DRAFT, Status.MORE_INFO])
    def test_drafts_and_answers_can_be_edited_and_the_change_is_audited(
        self, deal_in, acme_rep, status
    ):
        registration = deal_in(status)
        updated = services.update_registration(
            registration=registration,
            actor=acme_rep,
            customer_name="Globodyne Systems Ltd",
            estimated_amount="1,000",
        )
        assert updated.customer_name_normalized == "globodyne systems"
        assert updated.estimated_amount == Decimal("1000.00")
        event = events_for(registration).get(verb="deal.updated")
        assert event.data["changes"]["estimated_amount"] == ["25000.00", "1000.00"]

    @pytest.mark.parametrize(
        "status", [s for s in Status.values if s not in (Status.DRAFT, Status.MORE_INFO)]
    )
    def test_other_statuses_cannot_be_edited(self, deal_in, acme_rep, status):
        with pytest.raises(NotEditable):
            services.update_registration(
                registration=deal_in(status), actor=acme_rep, notes="late change"
            )

    def test_unknown_fields_and_outsiders_are_refused(self, deal_in, acme_rep, globex_admin):
        registration = deal_in(Status.DRAFT)
        with pytest.raises(InvalidDealData):
            services.update_registration(registration=registration, actor=acme_rep, status="won")
        with pytest.raises(DealNotAllowed):
            services.update_registration(registration=registration, actor=globex_admin, notes="x")


# --- The transition table ----------------------------------------------------------------------


def _act(target, registration, people):
    today = TODAY()
    actions = {
        Status.SUBMITTED: lambda: services.submit_registration(
            registration=registration, actor=people["acme_rep"]
        ),
        Status.MORE_INFO: lambda: services.request_more_info(
            registration=registration, actor=people["cam"], reason="Which division?"
        ),
        Status.APPROVED: lambda: services.approve_registration(
            registration=registration, actor=people["cam"]
        ),
        Status.REJECTED: lambda: services.reject_registration(
            registration=registration, actor=people["cam"], reason="Vendor-owned account."
        ),
        Status.WITHDRAWN: lambda: services.withdraw_registration(
            registration=registration, actor=people["acme_rep"]
        ),
        Status.WON: lambda: services.record_outcome(
            registration=registration,
            actor=people["acme_rep"],
            outcome="won",
            closed_amount="30000",
            closed_on=today,
        ),
        Status.LOST: lambda: services.record_outcome(
            registration=registration,
            actor=people["acme_rep"],
            outcome="lost",
            lost_reason="Budget frozen.",
        ),
    }
    return actions[target]()


SERVICE_TARGETS = [
    Status.SUBMITTED,
    Status.MORE_INFO,
    Status.APPROVED,
    Status.REJECTED,
    Status.WITHDRAWN,
    Status.WON,
    Status.LOST,
]
CASES = [(source, target) for source in Status.values for target in SERVICE_TARGETS]


@pytest.mark.parametrize(("source", "target"), CASES, ids=[f"{s}->{t}" for s, t in CASES])
def test_every_transition_is_allowed_or_refused_by_the_table(
    deal_in, personas, program, source, target
):
    registration = deal_in(source)
    allowed = target in DealRegistration.TRANSITIONS[source]
    if allowed:
        _act(target, registration, personas)
        registration.refresh_from_db()
        assert registration.status == target
        event = events_for(registration).filter(to_state=target).get()
        assert (event.from_state, event.actor is not None) == (source, True)
    else:
        with pytest.raises(InvalidTransition, match=f"{source} → {target}"):
            _act(target, registration, personas)
        registration.refresh_from_db()
        assert registration.status == source
        assert not events_for(registration).exists()


@pytest.mark.parametrize("source", Status.values)
def test_only_approved_registrations_expire(deal_in, source):
    registration = deal_in(source, protected_until=timezone.now() - dt.timedelta(minutes=1))
    expired = services.expire_registrations()
    registration.refresh_from_db()
    if source == Status.APPROVED:
        assert (expired, registration.status) == (1, Status.EXPIRED)
    else:
        assert (expired, registration.status) == (0, source)


# --- Submission and resubmission ---------------------------------------------------------------


class TestResubmission:
    def test_resubmitting_after_rejection_is_limited_by_the_program(
        self, deal_in, acme_rep, cam, program
    ):
        program.max_resubmissions = 1
        program.save()
        registration = deal_in(Status.REJECTED)
        registration = services.submit_registration(registration=registration, actor=acme_rep)
        assert registration.resubmission_count == 1
        assert events_for(registration).filter(verb="deal.resubmitted").exists()
        services.reject_registration(registration=registration, actor=cam, reason="Still no.")
        with pytest.raises(ResubmissionLimitReached):
            services.submit_registration(registration=registration, actor=acme_rep)
        registration.refresh_from_db()
        assert registration.status == Status.REJECTED

    def test_no_resubmission_when_the_program_allows_none(self, deal_in, acme_rep, program):
        program.max_resubmissions = 0
        program.save()
        with pytest.raises(ResubmissionLimitReached):
            services.submit_registration(registration=deal_in(Status.REJECTED), actor=acme_rep)

    def test_answering_a_request_for_information_is_not_a_resubmission(
        self, deal_in, acme_rep, program
    ):
        program.max_resubmissions = 0
        program.save()
        registration = services.submit_registration(
            registration=deal_in(Status.MORE_INFO), actor=acme_rep
        )
        assert registration.status == Status.SUBMITTED
        assert registration.resubmission_count == 0

    def test_the_manager_hears_which_kind_of_submission_it_is(
        self, deal_in, acme_rep, run_on_commit, mailoutbox
    ):
        with run_on_commit():
            services.submit_registration(registration=deal_in(Status.MORE_INFO), actor=acme_rep)
            services.submit_registration(registration=deal_in(Status.REJECTED), actor=acme_rep)
        subjects = [m.subject.split(":")[0] for m in mailoutbox]
        assert subjects == ["Information added, ready for review", "Deal resubmitted for review"]

    def test_a_resubmission_starts_a_fresh_decision_clock(self, deal_in, acme_rep, cam):
        first = timezone.now() - dt.timedelta(days=20)
        registration = deal_in(
            Status.REJECTED,
            first_submitted_at=first,
            sla_reminded_at=first,
            sla_escalated_at=first,
            sla_responded_at=first,
            decided_by=cam,
            decision_reason="Incomplete.",
        )
        registration = services.submit_registration(registration=registration, actor=acme_rep)
        assert registration.first_submitted_at == first
        assert registration.submitted_at > first
        assert registration.sla_due_at > registration.submitted_at
        assert registration.sla_reminded_at is None
        assert registration.sla_escalated_at is None
        assert registration.sla_responded_at is None
        assert (registration.decided_by, registration.decision_reason) == (None, "")

    def test_submission_records_candidate_conflicts(self, deal_in, acme_rep, globex):
        held = DealFactory(partner=globex, status=Status.APPROVED, customer_domain="initech.com")
        registration = deal_in(Status.DRAFT, customer_domain="initech.com")
        services.submit_registration(registration=registration, actor=acme_rep)
        conflict = DealConflict.objects.get(registration=registration)
        assert conflict.existing_registration == held
        assert conflict.resolution == DealConflict.Resolution.OPEN


# --- Withdrawal --------------------------------------------------------------------------------


class TestWithdraw:
    def test_the_manager_is_told_when_a_pending_registration_is_withdrawn(
        self, deal_in, acme_rep, cam, run_on_commit, mailoutbox
    ):
        with run_on_commit():
            services.withdraw_registration(
                registration=deal_in(Status.SUBMITTED), actor=acme_rep, reason="Lost interest"
            )
        assert [m.to for m in mailoutbox] == [[cam.email]]

    def test_ops_may_withdraw_but_a_channel_manager_may_not(self, deal_in, ops, cam):
        with pytest.raises(DealNotAllowed):
            services.withdraw_registration(registration=deal_in(Status.SUBMITTED), actor=cam)
        registration = services.withdraw_registration(
            registration=deal_in(Status.SUBMITTED), actor=ops
        )
        assert registration.status == Status.WITHDRAWN
