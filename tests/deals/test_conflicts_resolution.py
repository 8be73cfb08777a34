"""Recording conflicts on submission, the partner's pre-check and the reviewer's resolution."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.conflicts import (
    FIRST_REGISTERED_RULE,
    ConflictAlreadyResolved,
    ConflictResolutionError,
    protection_precheck,
    record_conflicts,
    resolve_conflict,
)
from deals.models import DealConflict
from prm.audit import events_for
from prm.exceptions import PermissionDenied
from prm.models import Notification
from tests.factories import PartnerFactory

from .conflict_factories import AccountFactory, OpportunityFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _earlier(days=3):
    return timezone.now() - dt.timedelta(days=days)


@pytest.fixture
def held_by_globex(globex):
    """Globex's approved registration of Initech, protected for two more months."""
    return RegistrationFactory(
        partner=globex,
        customer_name="Initech LLC",
        customer_domain="initech.com",
        country="US",
        status="approved",
        first_submitted_at=_earlier(30),
        protected_until=timezone.now() + dt.timedelta(days=60),
    )


@pytest.fixture
def acme_claim(acme, acme_rep):
    return RegistrationFactory(
        partner=acme,
        registered_by=acme_rep,
        customer_name="Initech Inc.",
        customer_domain="www.initech.com",
        contact_email="cto@initech.com",
        country="US",
    )


class TestRecordConflicts:
    def test_records_each_counterpart_with_score_and_evidence(self, acme_claim, held_by_globex):
        [conflict] = record_conflicts(registration=acme_claim)
        assert conflict.existing_registration == held_by_globex
        assert conflict.score == Decimal(100)
        rules = [e["rule"] for e in conflict.evidence]
        assert rules == ["domain", "email_domain", "name", "country"]
        assert conflict.resolution == DealConflict.Resolution.OPEN
        [event] = events_for(acme_claim).filter(verb="deal.conflicts_detected")
        assert event.data == {"conflicts": [conflict.pk]}

    def test_is_idempotent(self, acme_claim, held_by_globex):
        first = record_conflicts(registration=acme_claim)
        again = record_conflicts(registration=acme_claim)
        assert [c.pk for c in again] == [c.pk for c in first]
        assert DealConflict.objects.count() == 1
        assert events_for(acme_claim).filter(verb="deal.conflicts_detected").count() == 1

    def test_open_rows_are_refreshed_resolved_rows_are_kept(self, acme_claim, held_by_globex, cam):
        [conflict] = record_conflicts(registration=acme_claim)
        DealConflict.objects.filter(pk=conflict.pk).update(score=1, evidence=[])
        [conflict] = record_conflicts(registration=acme_claim)
        assert conflict.score == Decimal(100)
        resolve_conflict(conflict=conflict, actor=cam, resolution="first_registered", reason="r")
        DealConflict.objects.filter(pk=conflict.pk).update(score=2)
        record_conflicts(registration=acme_claim)
        conflict.refresh_from_db()
        assert conflict.score == Decimal(2)
        assert conflict.resolution == "first_registered"

    def test_same_partner_duplicates_are_recorded_and_marked(self, acme, acme_claim):
        earlier = RegistrationFactory(partner=acme, customer_name="Initech", country="US")
        [conflict] = record_conflicts(registration=acme_claim)
        assert conflict.existing_registration == earlier
        assert conflict.evidence[-1] == {"rule": "same_partner", "value": "", "similarity": 1.0}

    def test_a_pair_recorded_the_other_way_round_is_not_duplicated(
        self, acme_claim, held_by_globex
    ):
        DealConflict.objects.create(
            registration=held_by_globex, existing_registration=acme_claim, score=90
        )
        assert record_conflicts(registration=acme_claim) == []
        assert DealConflict.objects.count() == 1

    def test_weak_resemblances_are_not_recorded(self, acme, globex):
        RegistrationFactory(partner=globex, customer_name="Northwind Traders", country="DE")
        new = RegistrationFactory(partner=acme, customer_name="Northwind Trading", country="US")
        assert record_conflicts(registration=new) == []

    def test_open_vendor_opportunities_are_recorded(self, acme_claim):
        account = AccountFactory(name="Initech", domain="initech.com", country="US")
        opportunity = OpportunityFactory(account=account)
        [conflict] = record_conflicts(registration=acme_claim)
        assert conflict.existing_opportunity == opportunity
        assert conflict.existing_registration is None


class TestPrecheck:
    def test_tells_the_protection_date_without_the_holder(self, acme, held_by_globex):
        result = protection_precheck(
            customer_name="Initech", customer_domain="initech.com", country="US", for_partner=acme
        )
        assert result.protected_until == held_by_globex.protected_until
        assert held_by_globex.protected_until.strftime("%Y") in result.message
        assert "Globex" not in result.message
        assert not hasattr(result, "partner")
        assert not hasattr(result, "registration")

    def test_own_registrations_do_not_block(self, globex, held_by_globex):
        assert (
            protection_precheck(
                customer_name="Initech", customer_domain="initech.com", for_partner=globex
            )
            is None
        )

    def test_pending_registrations_and_weak_matches_do_not_block(self, acme, globex):
        RegistrationFactory(partner=globex, customer_name="Hooli", customer_domain="hooli.com")
        RegistrationFactory(
            partner=globex, customer_name="Hooli XYZ", country="FR", status="approved"
        )
        assert (
            protection_precheck(
                customer_name="Hooli", customer_domain="hooli.com", country="US", for_partner=acme
            )
            is None
        )

    def test_expired_protection_does_not_block(self, acme, held_by_globex):
        held_by_globex.protected_until = timezone.now() - dt.timedelta(hours=1)
        held_by_globex.save()
        assert (
            protection_precheck(
                customer_name="Initech", customer_domain="initech.com", for_partner=acme
            )
            is None
        )

    def test_open_vendor_opportunity_blocks_without_date(self, acme):
        OpportunityFactory(account=AccountFactory(name="Vandelay", domain="vandelay.com"))
        result = protection_precheck(
            customer_name="Vandelay Industries", customer_domain="vandelay.com", for_partner=acme
        )
        assert result.protected_until is None
        assert "sales team" in result.message


class TestResolve:
    @pytest.fixture
    def conflict(self, acme_claim, held_by_globex):
        [conflict] = record_conflicts(registration=acme_claim)
        return conflict

    def test_cam_resolves_first_registered_and_the_rule_is_audited(self, conflict, cam):
        resolve_conflict(
            conflict=conflict, actor=cam, resolution="first_registered", reason="Globex was first"
        )
        conflict.refresh_from_db()
        assert conflict.resolution == "first_registered"
        assert conflict.resolved_by == cam
        assert conflict.resolved_at is not None
        [event] = events_for(conflict)
        assert (event.actor, event.verb, event.from_state, event.to_state) == (
            cam,
            "resolved",
            "open",
            "first_registered",
        )
        assert event.reason == "Globex was first"
        assert event.rule == FIRST_REGISTERED_RULE

    def test_protecting_the_later_registration_is_recorded_as_an_override(self, conflict, ops):
        resolve_conflict(
            conflict=conflict, actor=ops, resolution="new_registration", reason="Customer asked"
        )
        [event] = events_for(conflict)
        assert event.rule.startswith("reviewer override")

    def test_protecting_the_new_registration_follows_the_rule_when_it_came_first(
        self, acme_claim, held_by_globex, cam
    ):
        acme_claim.first_submitted_at = _earlier(90)
        acme_claim.save()
        [conflict] = record_conflicts(registration=acme_claim)
        resolve_conflict(conflict=conflict, actor=cam, resolution="new_registration", reason="x")
        assert events_for(conflict).get().rule == FIRST_REGISTERED_RULE

    @pytest.mark.parametrize("who", ["other_cam", "acme_admin", "globex_admin", "distri_admin"])
    def test_only_the_registrations_cam_or_ops_may_resolve(self, conflict, personas, who):
        with pytest.raises(PermissionDenied):
            resolve_conflict(
                conflict=conflict, actor=personas[who], resolution="first_registered", reason="x"
            )
        conflict.refresh_from_db()
        assert conflict.resolution == "open"

    def test_a_reason_is_required(self, conflict, cam):
        with pytest.raises(ConflictResolutionError) as error:
            resolve_conflict(conflict=conflict, actor=cam, resolution="not_a_conflict", reason=" ")
        assert error.value.code == "reason_required"

    def test_resolution_must_fit_the_counterpart(self, conflict, cam):
        with pytest.raises(ConflictResolutionError):
            resolve_conflict(
                conflict=conflict, actor=cam, resolution="vendor_opportunity", reason="x"
            )
        with pytest.raises(ConflictResolutionError):
            resolve_conflict(conflict=conflict, actor=cam, resolution="open", reason="x")

    def test_a_resolved_conflict_cannot_be_resolved_again(self, conflict, cam):
        resolve_conflict(conflict=conflict, actor=cam, resolution="not_a_conflict", reason="x")
        with pytest.raises(ConflictAlreadyResolved):
            resolve_conflict(
                conflict=conflict, actor=cam, resolution="first_registered", reason="y"
            )


class TestFirstRegisteredRejectsTheLater:
    def test_the_later_registration_is_rejected_with_the_reason_on_both(
        self, acme_claim, held_by_globex, ops
    ):
        [conflict] = record_conflicts(registration=acme_claim)
        resolve_conflict(
            conflict=conflict, actor=ops, resolution="first_registered", reason="Globex was first."
        )
        acme_claim.refresh_from_db()
        held_by_globex.refresh_from_db()
        assert acme_claim.status == "rejected"
        assert "Globex was first." in acme_claim.decision_reason
        assert f"#{held_by_globex.pk}" in acme_claim.decision_reason
        assert held_by_globex.status == "approved"
        [protected] = events_for(held_by_globex).filter(verb="deal.conflict_protected")
        assert protected.reason == "Globex was first." and protected.rule == FIRST_REGISTERED_RULE
        [rejected] = events_for(acme_claim).filter(verb="deal.rejected")
        assert "Globex was first." in rejected.reason

    def test_other_decisions_reject_nothing(self, acme_claim, held_by_globex, ops):
        [conflict] = record_conflicts(registration=acme_claim)
        resolve_conflict(
            conflict=conflict, actor=ops, resolution="not_a_conflict", reason="Two sites."
        )
        acme_claim.refresh_from_db()
        assert acme_claim.status == "submitted"

    def test_a_later_registration_that_cannot_be_rejected_keeps_its_status(
        self, acme_claim, held_by_globex, ops
    ):
        [conflict] = record_conflicts(registration=acme_claim)
        type(acme_claim).objects.filter(pk=acme_claim.pk).update(status="more_info")
        resolve_conflict(conflict=conflict, actor=ops, resolution="first_registered", reason="r")
        acme_claim.refresh_from_db()
        assert acme_claim.status == "more_info"
        assert events_for(held_by_globex).filter(verb="deal.conflict_protected").exists()


class TestTheEarlierPartnersManager:
    """Globex holds the protection; Acme's later claim is decided by Acme's manager (cam).
    Globex's manager (other_cam) is told and sees the conflict on Globex's registration."""

    def test_is_told_when_the_conflict_is_raised_once(
        self, acme_claim, held_by_globex, cam, other_cam
    ):
        record_conflicts(registration=acme_claim)
        record_conflicts(registration=acme_claim)
        [told] = Notification.objects.filter(kind="deal_conflict_raised")
        assert told.user == other_cam
        assert "Initech Inc." in told.body and "Casey Manager, Acme" in told.body
        assert told.url == held_by_globex.get_absolute_url()

    def test_is_told_the_decision(self, acme_claim, held_by_globex, cam, other_cam):
        [conflict] = record_conflicts(registration=acme_claim)
        resolve_conflict(
            conflict=conflict, actor=cam, resolution="new_registration", reason="Acme sourced it"
        )
        [told] = Notification.objects.filter(kind="deal_conflict_resolved")
        assert told.user == other_cam
        assert "New registration is protected" in told.body and "Acme sourced it" in told.body

    def test_a_conflict_within_one_managers_partners_tells_nobody_else(self, acme, acme_claim, cam):
        RegistrationFactory(
            partner=PartnerFactory(channel_manager=cam),
            customer_name="Initech LLC",
            customer_domain="initech.com",
            status="approved",
            first_submitted_at=_earlier(30),
        )
        assert record_conflicts(registration=acme_claim)
        assert not Notification.objects.filter(kind="deal_conflict_raised").exists()

    def test_sees_it_on_the_earlier_registration_which_partners_do_not(
        self, acme_claim, held_by_globex, cam, other_cam, globex_admin, client_for
    ):
        [conflict] = record_conflicts(registration=acme_claim)
        resolve_conflict(conflict=conflict, actor=cam, resolution="not_a_conflict", reason="Two")
        url = held_by_globex.get_absolute_url()
        page = client_for(other_cam).get(url).content.decode()
        section = page.split('data-testid="conflicts-against"', 1)[1].split("</table>", 1)[0]
        assert "Initech Inc. · Acme" in section and "Not a conflict" in section
        assert (
            'data-testid="conflicts-against"'
            not in client_for(globex_admin).get(url).content.decode()
        )
