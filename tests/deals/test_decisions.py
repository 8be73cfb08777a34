"""The vendor's decisions on a submitted registration: who may decide, what a decision needs
and tells the partner, approval against open or lost conflicts, and the protection window an
approval starts."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from deals import services
from deals.exceptions import (
    AccountAlreadyProtected,
    DealNotAllowed,
    InvalidDealData,
    UnresolvedConflicts,
)
from deals.models import DealConflict, DealRegistration
from prm.audit import events_for

from .factories import DealFactory, registration_kwargs

pytestmark = pytest.mark.django_db
Status = DealRegistration.Status


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
