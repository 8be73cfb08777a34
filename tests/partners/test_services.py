"""Partner services and the read helpers behind the portal pages, the nightly invitation job
and its command."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from partners import selectors, services
from partners.exceptions import PartnerError
from partners.models import Invitation, Partner, PartnerMembership
from partners.recruitment import selectors as recruitment
from partners.tasks import expire_invitations
from prm.audit import events_for
from prm.exceptions import InvalidTransition, PermissionDenied
from tests.factories import ApplicationFactory, MembershipFactory, PartnerFactory


def invitation(partner, *, days: float, **extra):
    return Invitation.objects.create(
        partner=partner,
        email=extra.pop("email", f"someone{Invitation.objects.count()}@example.com"),
        expires_at=timezone.now() + dt.timedelta(days=days),
        **extra,
    )


# --- Invitation expiry ------------------------------------------------------------------------


def test_the_nightly_job_closes_only_expired_open_invitations(acme):
    expired = invitation(acme, days=-1)
    fresh = invitation(acme, days=1)
    accepted = invitation(acme, days=-1, accepted_at=timezone.now() - dt.timedelta(days=2))
    assert expire_invitations.delay().get() == 1
    for row in (expired, fresh, accepted):
        row.refresh_from_db()
    assert expired.revoked_at is not None
    assert fresh.revoked_at is None
    assert accepted.revoked_at is None


def test_the_job_is_safe_to_run_twice(acme):
    first = invitation(acme, days=-1)
    expire_invitations()
    first.refresh_from_db()
    closed_at = first.revoked_at
    assert expire_invitations() == 0
    first.refresh_from_db()
    assert first.revoked_at == closed_at


def test_the_command_runs_the_same_job(acme):
    invitation(acme, days=-1)
    out = StringIO()
    call_command("expire_invitations", stdout=out)
    assert "Closed 1 expired invitation(s)." in out.getvalue()
    assert not selectors.open_invitations_for(acme).exists()


def test_the_task_is_registered_under_the_beat_schedule_name(settings):
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert expire_invitations.name in names


# --- Rules the portal relies on -------------------------------------------------------------


def test_the_last_admin_cannot_be_removed_even_by_ops(ops, acme_admin):
    with pytest.raises(PartnerError, match="at least one admin"):
        services.remove_member(membership=PartnerMembership.objects.get(user=acme_admin), actor=ops)


def test_an_admin_of_another_partner_cannot_remove_members(globex_admin, acme_rep):
    with pytest.raises(PermissionDenied):
        services.remove_member(
            membership=PartnerMembership.objects.get(user=acme_rep), actor=globex_admin
        )


def test_a_rep_cannot_invite(acme_rep, acme):
    with pytest.raises(PermissionDenied):
        services.invite_user(partner=acme, email="x@acme.example", role="rep", actor=acme_rep)


def test_a_new_invitation_replaces_an_open_one_for_the_same_address(acme_admin, acme):
    first = services.invite_user(partner=acme, email="x@acme.example", role="rep", actor=acme_admin)
    second = services.invite_user(
        partner=acme, email="X@acme.example", role="admin", actor=acme_admin
    )
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert list(selectors.open_invitations_for(acme)) == [second]


def test_a_terminated_partner_cannot_be_reactivated(ops, acme):
    services.change_partner_status(partner=acme, actor=ops, to="terminated", reason="Gone")
    with pytest.raises(InvalidTransition):
        services.change_partner_status(partner=acme, actor=ops, to="active")


@pytest.mark.parametrize("who", ["cam", "acme_admin", "acme_rep"])
def test_only_ops_change_a_partners_status(personas, acme, who):
    """The channel account manager and the partner's own people are refused in the service,
    whichever entry point calls it; the status and the audit trail stay as they were."""
    with pytest.raises(PermissionDenied):
        services.change_partner_status(partner=acme, actor=personas[who], to="suspended")
    acme.refresh_from_db()
    assert acme.status == Partner.Status.ACTIVE
    assert not events_for(acme).filter(verb="partner.status_changed").exists()


@pytest.mark.parametrize("who", ["cam", "acme_admin", "acme_rep"])
def test_only_ops_move_a_partner_to_another_tier(personas, acme, tiers, who):
    before = acme.tier
    with pytest.raises(PermissionDenied):
        services.set_partner_tier(partner=acme, tier=tiers[2], actor=personas[who], reason="Up")
    acme.refresh_from_db()
    assert acme.tier == before
    assert not acme.tier_history.exists()


def test_ops_and_scheduled_jobs_may_change_status_and_tier(ops, acme, tiers):
    services.set_partner_tier(partner=acme, tier=tiers[2], actor=ops, reason="Review")
    services.change_partner_status(partner=acme, actor=None, to="suspended", rule="job")
    acme.refresh_from_db()
    assert (acme.tier, acme.status) == (tiers[2], Partner.Status.SUSPENDED)


def test_many_partners_move_tier_together_as_one_by_one(ops, tiers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from partners.models import TierHistory
    from partners.services import TierMove, move_partner_tiers

    day = dt.date(2026, 10, 1)
    partners = [PartnerFactory(display_name=f"P{n}", tier=tiers[0]) for n in range(4)]
    for partner in partners:  # an open history row each, from an earlier change
        services.set_partner_tier(
            partner=partner,
            tier=tiers[1],
            actor=ops,
            reason="Start",
            effective_from=dt.date(2026, 7, 1),
        )
    stays = partners[3]
    moves = [TierMove(p.pk, tiers[2], f"Review {p.display_name}") for p in partners[:3]]
    moves.append(TierMove(stays.pk, tiers[1], "Already there"))
    with CaptureQueriesContext(connection) as queries:
        moved = move_partner_tiers(moves, actor=ops, effective_from=day, rule="tier review")
    for partner in partners[:3]:
        partner.refresh_from_db()
        assert partner.tier == tiers[2] and moved[partner.pk].tier == tiers[2]
        rows = list(TierHistory.objects.filter(partner=partner).order_by("pk"))
        assert [(r.tier, r.effective_to) for r in rows] == [(tiers[1], day), (tiers[2], None)]
        assert (rows[-1].effective_from, rows[-1].reason) == (day, f"Review {partner.display_name}")
        event = events_for(partner).get(verb="partner.tier_changed", rule="tier review")
        assert (event.from_state, event.to_state, event.actor) == (
            tiers[1].name, tiers[2].name, ops,
        )  # fmt: skip
    stays.refresh_from_db()
    assert stays.tier == tiers[1] and stays.tier_history.count() == 1
    assert not events_for(stays).filter(rule="tier review").exists()
    # As many statements to move three partners as to move one.
    with CaptureQueriesContext(connection) as one:
        move_partner_tiers([TierMove(stays.pk, tiers[2])], actor=ops, effective_from=day)
    assert len(queries) == len(one)


# --- Read helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("customers", "staff", "sponsor", "expected"),
    [
        (0, 0, "", {"scale": 1, "skill": 1, "will": 2}),
        (10, 1, "", {"scale": 2, "skill": 2, "will": 2}),
        (50, 3, "CEO", {"scale": 3, "skill": 3, "will": 4}),
        (200, 10, "CEO", {"scale": 4, "skill": 4, "will": 4}),
        (5000, 250, "  ", {"scale": 5, "skill": 5, "will": 2}),
    ],
)
def test_suggested_scores_follow_the_applicants_answers(db, customers, staff, sponsor, expected):
    application = ApplicationFactory(
        customer_count=customers, technical_staff=staff, executive_sponsor=sponsor
    )
    assert recruitment.suggested_scores(application) == expected


def test_search_counts_members_and_stays_in_scope(cam, acme, acme_admin, acme_rep, globex):
    rows = list(selectors.search_partners(cam))
    assert [(p.display_name, p.member_count) for p in rows] == [("Acme", 2), ("Distri", 0)]
    assert list(selectors.search_partners(cam, query="glob")) == []


def test_counts_by_status_cover_every_status_in_order(ops, acme, globex):
    PartnerFactory(status=Partner.Status.SUSPENDED)
    bars = selectors.partner_counts_by_status(ops)
    assert [bar.key for bar in bars] == list(Partner.Status.values)
    counts = {bar.key: (bar.count, bar.percent) for bar in bars}
    assert counts["active"] == (3, 100)  # Acme, Globex and Distri
    assert counts["suspended"] == (1, 33)
    assert counts["prospect"] == (0, 0)


def test_counts_by_business_model_leave_out_terminated_partners(ops, acme):
    PartnerFactory(business_model="isv", status=Partner.Status.TERMINATED)
    counts = {bar.key: bar.count for bar in selectors.partner_counts_by_business_model(ops)}
    assert counts["isv"] == 0
    assert counts["reseller"] == 1


def test_applications_waiting_are_first_come_first_served(ops):
    later = ApplicationFactory(submitted_at=timezone.now())
    earlier = ApplicationFactory(submitted_at=timezone.now() - dt.timedelta(days=2))
    ApplicationFactory(status="declined")
    assert list(recruitment.applications_waiting(ops)) == [earlier, later]


def test_memberships_of_a_user_leave_out_terminated_partners(acme_admin):
    gone = PartnerFactory(status=Partner.Status.TERMINATED)
    MembershipFactory(user=acme_admin, partner=gone)
    assert [m.partner.display_name for m in selectors.memberships_of(acme_admin)] == ["Acme"]


def test_someone_removed_earlier_can_be_invited_back_and_sign_in_again(
    acme_admin, acme_rep, password
):
    services.remove_member(
        membership=PartnerMembership.objects.get(user=acme_rep), actor=acme_admin
    )
    acme_rep.refresh_from_db()
    assert not acme_rep.is_active
    again = services.invite_user(
        partner=PartnerMembership.objects.get(user=acme_admin).partner,
        email=acme_rep.email,
        role="rep",
        actor=acme_admin,
    )
    services.accept_invitation(invitation=again, full_name="", password=None)
    acme_rep.refresh_from_db()
    assert acme_rep.is_active
    assert acme_rep.check_password(password)  # their own password, not reset by the link
