"""The registration lifecycle: creating, editing, submitting, deciding, withdrawing, outcomes."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from deals import services
from deals.exceptions import (
    AccountAlreadyProtected,
    DealNotAllowed,
    DuplicateRegistration,
    InvalidDealData,
    NotEditable,
    PartnerCannotRegister,
    ResubmissionLimitReached,
    UnresolvedConflicts,
)
from deals.models import DealConflict, DealRegistration, ExtensionRequest
from deals.selectors import deals_visible_to
from partners.models import Partner, PartnerMembership
from prm.audit import events_for
from prm.exceptions import InvalidTransition
from prm.models import User
from tests.factories import MembershipFactory, UserFactory

from .factories import DealFactory, ExtensionRequestFactory, registration_kwargs

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


# --- Decisions ---------------------------------------------------------------------------------

DECISIONS = {
    "approve": lambda r, a: services.approve_registration(registration=r, actor=a),
    "reject": lambda r, a: services.reject_registration(registration=r, actor=a, reason="No."),
    "more_info": lambda r, a: services.request_more_info(registration=r, actor=a, reason="Who?"),
}


class TestDecisionRights:
    @pytest.mark.parametrize("decision", DECISIONS)
    @pytest.mark.parametrize(
        "who", ["acme_admin", "acme_rep", "distri_admin", "globex_admin", "other_cam"]
    )
    def test_only_the_partners_manager_or_ops_decide(self, deal_in, personas, who, decision):
        registration = deal_in(Status.SUBMITTED)
        with pytest.raises(DealNotAllowed):
            DECISIONS[decision](registration, personas[who])
        registration.refresh_from_db()
        assert registration.status == Status.SUBMITTED

    def test_a_partner_admin_cannot_approve_its_own_deal(self, acme, acme_admin):
        registration = services.create_registration(
            actor=acme_admin, partner=acme, **registration_kwargs()
        )
        with pytest.raises(DealNotAllowed):
            services.approve_registration(registration=registration, actor=acme_admin)

    @pytest.mark.parametrize("who", ["cam", "ops"])
    @pytest.mark.parametrize("decision", DECISIONS)
    def test_the_manager_and_ops_may_decide(self, deal_in, personas, who, decision):
        registration = DECISIONS[decision](deal_in(Status.SUBMITTED), personas[who])
        assert registration.decided_by in (None, personas[who])
        assert registration.sla_responded_at is not None

    @pytest.mark.parametrize("decision", ["reject", "more_info"])
    def test_rejection_and_requests_for_information_need_a_reason(self, deal_in, cam, decision):
        service = {
            "reject": services.reject_registration,
            "more_info": services.request_more_info,
        }[decision]
        with pytest.raises(InvalidDealData) as caught:
            service(registration=deal_in(Status.SUBMITTED), actor=cam, reason="   ")
        assert caught.value.details == {"reason": "Give a reason."}

    def test_the_partner_hears_about_the_decision_with_the_protection_date(
        self, deal_in, cam, acme_rep, acme_admin, run_on_commit, mailoutbox
    ):
        with run_on_commit():
            registration = services.approve_registration(
                registration=deal_in(Status.SUBMITTED), actor=cam, reason="Clean account."
            )
        assert sorted(m.to[0] for m in mailoutbox) == sorted([acme_rep.email, acme_admin.email])
        assert registration.protected_until.strftime("%Y-%m-%d") in mailoutbox[0].body
        assert "Clean account." in mailoutbox[0].body

    def test_a_rejection_tells_how_many_resubmissions_are_left(
        self, deal_in, cam, run_on_commit, mailoutbox
    ):
        with run_on_commit():
            services.reject_registration(
                registration=deal_in(Status.SUBMITTED), actor=cam, reason="Duplicate."
            )
        assert "resubmit it 2 more times" in mailoutbox[0].body


class TestApprovalAndConflicts:
    def _conflict(self, registration, existing, resolution):
        return DealConflict.objects.create(
            registration=registration,
            existing_registration=existing,
            score=Decimal("80"),
            evidence=[{"rule": "domain", "value": "initech.com", "similarity": 1.0}],
            resolution=resolution,
        )

    def test_approval_waits_for_open_conflicts(self, deal_in, cam, globex):
        registration = deal_in(Status.SUBMITTED)
        conflict = self._conflict(
            registration, DealFactory(partner=globex, status=Status.SUBMITTED), "open"
        )
        with pytest.raises(UnresolvedConflicts) as caught:
            services.approve_registration(registration=registration, actor=cam)
        assert caught.value.details == {"conflicts": [conflict.pk]}

    def test_an_earlier_protected_registration_that_won_the_conflict_blocks_approval(
        self, deal_in, cam, globex
    ):
        registration = deal_in(Status.SUBMITTED)
        held = DealFactory(partner=globex, status=Status.APPROVED)
        self._conflict(registration, held, DealConflict.Resolution.FIRST_REGISTERED_WINS)
        with pytest.raises(AccountAlreadyProtected):
            services.approve_registration(registration=registration, actor=cam)

    def test_once_that_protection_has_ended_approval_is_possible(self, deal_in, cam, globex):
        registration = deal_in(Status.SUBMITTED)
        ended = DealFactory(partner=globex, status=Status.EXPIRED)
        self._conflict(registration, ended, DealConflict.Resolution.FIRST_REGISTERED_WINS)
        services.approve_registration(registration=registration, actor=cam)

    @pytest.mark.parametrize(
        "resolution",
        [DealConflict.Resolution.NOT_A_CONFLICT, DealConflict.Resolution.NEW_REGISTRATION_WINS],
    )
    def test_conflicts_resolved_for_the_new_registration_allow_approval(
        self, deal_in, cam, globex, resolution
    ):
        registration = deal_in(Status.SUBMITTED)
        held = DealFactory(partner=globex, status=Status.APPROVED)
        self._conflict(registration, held, resolution)
        approved = services.approve_registration(registration=registration, actor=cam)
        assert approved.status == Status.APPROVED


# --- Protection window -------------------------------------------------------------------------


class TestProtectionWindow:
    @pytest.mark.parametrize("days", [30, 60, 90, 120])
    def test_approval_protects_for_the_programs_window(self, deal_in, cam, program, days):
        program.protection_days = days
        program.save()
        with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
            registration = services.approve_registration(
                registration=deal_in(Status.SUBMITTED), actor=cam
            )
        expected = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC) + dt.timedelta(days=days)
        assert registration.protected_until == expected
        event = events_for(registration).get(verb="deal.approved")
        assert event.rule == f"Protection window: {days} days"

    def test_no_window_means_approval_without_protection(self, deal_in, cam, program):
        program.protection_days = 0
        program.save()
        registration = services.approve_registration(
            registration=deal_in(Status.SUBMITTED), actor=cam
        )
        assert registration.status == Status.APPROVED
        assert registration.protected_until is None
        assert not registration.holds_protection
        assert services.expire_registrations(now=timezone.now() + dt.timedelta(days=999)) == 0


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


# --- Outcome -----------------------------------------------------------------------------------


class TestOutcome:
    def test_a_won_deal_keeps_amounts_for_contribution_margin(self, deal_in, acme_rep):
        registration = services.record_outcome(
            registration=deal_in(Status.APPROVED, currency="JPY"),
            actor=acme_rep,
            outcome="won",
            closed_amount="1200000.4",
            closed_on=TODAY(),
            closed_products=["Platform", "Platform", " Support "],
            discount_amount="100000",
            cost_amount="250000",
        )
        registration.refresh_from_db()
        assert registration.status == Status.WON
        assert registration.closed_amount == Decimal("1200000")
        assert registration.closed_products == ["Platform", "Support"]
        assert (registration.discount_amount, registration.cost_amount) == (
            Decimal("100000"),
            Decimal("250000"),
        )
        event = events_for(registration).get(verb="deal.won")
        assert event.data["closed_amount"] == "1200000"

    @pytest.mark.parametrize(
        ("fields", "bad"),
        [
            ({"closed_on": dt.date(2026, 1, 1)}, {"closed_amount"}),
            ({"closed_amount": "100"}, {"closed_on"}),
            ({"closed_amount": "abc", "closed_on": dt.date(2026, 1, 1)}, {"closed_amount"}),
            ({"closed_amount": "-1", "closed_on": dt.date(2026, 1, 1)}, {"closed_amount"}),
            (
                {"closed_amount": "5", "closed_on": dt.date(2026, 1, 1), "cost_amount": "x"},
                {"cost_amount"},
            ),
        ],
    )
    def test_a_won_deal_needs_a_valid_amount_and_date(self, deal_in, acme_rep, fields, bad):
        registration = deal_in(Status.APPROVED)
        with (
            time_machine.travel(dt.datetime(2026, 2, 1, tzinfo=dt.UTC)),
            pytest.raises(InvalidDealData) as caught,
        ):
            services.record_outcome(
                registration=registration, actor=acme_rep, outcome="won", **fields
            )
        assert set(caught.value.details) == bad
        registration.refresh_from_db()
        assert registration.status == Status.APPROVED

    def test_a_close_date_in_the_future_is_refused(self, deal_in, acme_rep):
        with pytest.raises(InvalidDealData) as caught:
            services.record_outcome(
                registration=deal_in(Status.APPROVED),
                actor=acme_rep,
                outcome="won",
                closed_amount="1",
                closed_on=TODAY() + dt.timedelta(days=1),
            )
        assert "future" in caught.value.details["closed_on"]

    def test_a_lost_deal_needs_a_reason(self, deal_in, acme_rep):
        with pytest.raises(InvalidDealData) as caught:
            services.record_outcome(
                registration=deal_in(Status.APPROVED), actor=acme_rep, outcome="lost"
            )
        assert "lost_reason" in caught.value.details

    def test_the_outcome_must_be_won_or_lost(self, deal_in, acme_rep):
        with pytest.raises(InvalidDealData):
            services.record_outcome(
                registration=deal_in(Status.APPROVED), actor=acme_rep, outcome="expired"
            )

    @pytest.mark.parametrize("who", ["acme_admin", "acme_rep", "distri_admin", "cam", "ops"])
    def test_the_partner_side_the_manager_and_ops_record_outcomes(self, deal_in, personas, who):
        registration = services.record_outcome(
            registration=deal_in(Status.APPROVED),
            actor=personas[who],
            outcome="lost",
            lost_reason="Went with a competitor.",
        )
        assert registration.status == Status.LOST

    def test_the_crm_pushes_outcomes_through_an_ops_service_account(self, deal_in):
        crm = UserFactory(
            email="crm@svc.example",
            internal_role=User.InternalRole.PROGRAM_OPS,
            is_service_account=True,
        )
        registration = services.record_outcome(
            registration=deal_in(Status.APPROVED),
            actor=crm,
            outcome="won",
            closed_amount="10",
            closed_on=TODAY(),
        )
        assert registration.status == Status.WON

    @pytest.mark.parametrize("who", ["globex_admin", "other_cam"])
    def test_outsiders_cannot_record_outcomes(self, deal_in, personas, who):
        with pytest.raises(DealNotAllowed):
            services.record_outcome(
                registration=deal_in(Status.APPROVED),
                actor=personas[who],
                outcome="lost",
                lost_reason="x",
            )

    def test_closing_a_deal_closes_its_pending_extension_request(self, deal_in, acme_rep):
        registration = deal_in(Status.APPROVED)
        extension = ExtensionRequestFactory(registration=registration)
        services.record_outcome(
            registration=registration, actor=acme_rep, outcome="lost", lost_reason="Budget."
        )
        extension.refresh_from_db()
        assert extension.status == ExtensionRequest.Status.REJECTED
        assert "closed as lost" in extension.decision_reason
