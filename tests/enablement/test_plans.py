"""Joint business plans: drafting, approval by a partner admin, locking, versions, check-ins."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from enablement.models import JointBusinessPlan
from enablement.programs import selectors as program_selectors
from enablement.programs import services as program_services
from enablement.programs.services import PlanError, PlanLocked
from prm.exceptions import Conflict, PermissionDenied
from prm.models import AuditEvent, Notification

from .factories_programs import PlanCheckInFactory, PlanFactory, ready_plan

pytestmark = pytest.mark.django_db
MID_2026 = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)


def verbs(obj) -> list[str]:
    return list(AuditEvent.objects.for_object(obj).order_by("id").values_list("verb", flat=True))


def full_content():
    return {
        "targets": [
            {
                "metric": "registered_deals",
                "description": "In the portal",
                "target_value": Decimal("40"),
                "owner": "Ada Admin",
                "due_quarter": 4,
            },
            {
                "metric": "closed_won",
                "target_value": "250000",
                "owner": "Casey Manager",
                "due_quarter": 2,
            },
        ],
        "initiatives": [
            {
                "title": "Healthcare campaign",
                "owner": "Ada Admin",
                "starts_on": dt.date(2026, 2, 1),
                "ends_on": dt.date(2026, 5, 31),
            }
        ],
        "checkins": [
            {"scheduled_on": dt.date(2026, 2, 15), "agenda": "Kick-off"},
            {"scheduled_on": dt.date(2026, 5, 15)},
        ],
    }


# --- Drafting ---------------------------------------------------------------------------------


def test_the_cam_drafts_a_plan_and_partner_admins_are_told(
    cam, acme, acme_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        plan = program_services.create_plan(
            actor=cam, partner=acme, fiscal_year=2026, title="Acme growth", summary="Healthcare"
        )

    assert (plan.status, plan.version, plan.year_label) == ("draft", 1, "FY2026")
    assert plan.created_by == cam
    assert verbs(plan) == ["plan.created"]
    assert Notification.objects.filter(user=acme_admin, kind="plan_awaiting_approval").exists()


def test_a_partner_admin_may_draft_their_own_plan(acme, acme_admin):
    plan = program_services.create_plan(
        actor=acme_admin, partner=acme, fiscal_year=2026, title="Ours"
    )
    assert plan.created_by == acme_admin


@pytest.mark.parametrize("who", ["acme_rep", "other_cam", "globex_admin", "distri_admin"])
def test_others_may_not_draft_a_partners_plan(personas, acme, who):
    with pytest.raises(PermissionDenied):
        program_services.create_plan(actor=personas[who], partner=acme, fiscal_year=2026, title="X")


def test_one_plan_per_partner_and_year_then_versions(cam, acme):
    program_services.create_plan(actor=cam, partner=acme, fiscal_year=2026, title="First")
    with pytest.raises(Conflict, match="already has a plan for FY2026") as caught:
        program_services.create_plan(actor=cam, partner=acme, fiscal_year=2026, title="Second")
    assert caught.value.code == "plan_exists"
    assert program_services.create_plan(
        actor=cam, partner=acme, fiscal_year=2027, title="Next year"
    )


def test_editing_a_draft_replaces_its_content(cam, acme):
    plan = PlanFactory(partner=acme, created_by=cam)
    program_services.update_plan(actor=cam, plan=plan, title="Acme FY26", **full_content())

    plan.refresh_from_db()
    assert plan.title == "Acme FY26"
    assert [(t.metric, t.target_value, t.due_quarter) for t in plan.targets.all()] == [
        ("registered_deals", Decimal("40.00"), 4),
        ("closed_won", Decimal("250000.00"), 2),
    ]
    assert [i.title for i in plan.initiatives.all()] == ["Healthcare campaign"]
    assert [c.scheduled_on for c in plan.checkins.all()] == [
        dt.date(2026, 2, 15),
        dt.date(2026, 5, 15),
    ]

    program_services.update_plan(actor=cam, plan=plan, title="Acme FY26", targets=[], checkins=[])
    assert not plan.targets.exists() and not plan.checkins.exists()
    assert plan.initiatives.count() == 1  # not given, not touched
    assert verbs(plan) == ["plan.updated", "plan.updated"]


def target(**changes) -> dict:
    return {"metric": "pipeline", "target_value": "1", "owner": "A", "due_quarter": 1, **changes}


def initiative(starts_on: dt.date, ends_on: dt.date) -> dict:
    return {"title": "T", "owner": "O", "starts_on": starts_on, "ends_on": ends_on}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"targets": [target(metric="nope")]}, "Target 1: choose a metric"),
        ({"targets": [target(due_quarter=5)]}, "due quarter is 1 to 4"),
        ({"targets": [target(target_value="-1")]}, "zero or more"),
        ({"targets": [target(target_value=1.5)]}, "given as a string"),
        ({"targets": [target(owner=" ")]}, "name an owner"),
        (
            {"initiatives": [initiative(dt.date(2026, 5, 1), dt.date(2026, 4, 1))]},
            "ends before it starts",
        ),
        (
            {"initiatives": [initiative(dt.date(2026, 11, 1), dt.date(2027, 2, 1))]},
            "outside FY2026",
        ),
        (
            {"checkins": [{"scheduled_on": dt.date(2025, 12, 15)}]},
            "Check-in 1: 2025-12-15 is outside",
        ),
    ],
)
def test_bad_plan_content_is_refused_and_nothing_is_half_written(cam, acme, changes, message):
    plan = PlanFactory(partner=acme, created_by=cam, title="Before")
    with pytest.raises(PlanError, match=message):
        program_services.update_plan(actor=cam, plan=plan, title="After", **changes)
    plan.refresh_from_db()
    assert plan.title == "Before"


# --- Approval and locking ---------------------------------------------------------------------


def test_a_partner_admin_approves_the_draft_and_the_cam_is_told(
    cam, acme, acme_admin, django_capture_on_commit_callbacks
):
    plan = ready_plan(partner=acme, created_by=cam)
    waiting = Notification.objects.create(
        user=acme_admin, kind="plan_awaiting_approval", title="Plan", url=plan.get_absolute_url()
    )
    with django_capture_on_commit_callbacks(execute=True):
        program_services.approve_plan(actor=acme_admin, plan=plan, note="Agreed on the call")
    waiting.refresh_from_db()
    assert waiting.read_at is not None  # approved: the request to approve leaves the bell

    plan.refresh_from_db()
    assert plan.status == "approved" and plan.approved_by == acme_admin
    assert plan.approved_at is not None
    event = AuditEvent.objects.for_object(plan).get(verb="plan.approved")
    assert (event.from_state, event.to_state, event.reason) == (
        "draft",
        "approved",
        "Agreed on the call",
    )
    assert Notification.objects.filter(user=cam, kind="plan_approved").exists()


@pytest.mark.parametrize("who", ["cam", "ops", "acme_rep", "distri_admin", "globex_admin"])
def test_only_an_admin_of_the_partner_approves(personas, acme, who):
    plan = ready_plan(partner=acme, created_by=personas["cam"])
    with pytest.raises(PermissionDenied, match="Only an admin of the partner"):
        program_services.approve_plan(actor=personas[who], plan=plan)
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_a_plan_without_targets_or_check_ins_cannot_be_approved(acme, acme_admin):
    plan = PlanFactory(partner=acme)
    with pytest.raises(PlanError, match="at least one target and one check-in") as caught:
        program_services.approve_plan(actor=acme_admin, plan=plan)
    assert caught.value.code == "plan_incomplete"


def test_an_approved_plan_is_locked_against_any_edit(cam, acme, acme_admin):
    plan = ready_plan(partner=acme, created_by=cam)
    program_services.approve_plan(actor=acme_admin, plan=plan)

    for actor in (cam, acme_admin):
        with pytest.raises(PlanLocked, match="Version 1 of this plan is approved and locked"):
            program_services.update_plan(actor=actor, plan=plan, title="Changed", targets=[])
    with pytest.raises(PlanLocked) as caught:
        program_services.approve_plan(actor=acme_admin, plan=plan)
    assert caught.value.code == "plan_locked" and caught.value.status_code == 409
    plan.refresh_from_db()
    assert plan.title != "Changed" and plan.targets.count() == 1


def test_a_new_version_copies_the_approved_plan_as_a_draft(cam, acme, acme_admin):
    plan = PlanFactory(partner=acme, created_by=cam)
    program_services.update_plan(actor=cam, plan=plan, title="V1", **full_content())
    program_services.approve_plan(actor=acme_admin, plan=plan)

    draft = program_services.create_new_version(actor=cam, plan=plan)

    assert (draft.status, draft.version, draft.based_on, draft.title) == ("draft", 2, plan, "V1")
    assert draft.targets.count() == 2 and draft.initiatives.count() == 1
    assert draft.checkins.count() == 2
    plan.refresh_from_db()
    assert plan.status == "approved"  # still the plan in force until v2 is approved
    assert verbs(draft) == ["plan.version_created"]
    with pytest.raises(Conflict, match="Version 2 is already being drafted") as caught:
        program_services.create_new_version(actor=acme_admin, plan=plan)
    assert caught.value.details == {"draft_id": draft.pk}
    with pytest.raises(PlanError, match="Only the approved plan can be revised"):
        program_services.create_new_version(actor=cam, plan=draft)


def test_approving_the_new_version_supersedes_the_old_one(cam, acme, acme_admin):
    plan = ready_plan(partner=acme, created_by=cam)
    program_services.approve_plan(actor=acme_admin, plan=plan)
    draft = program_services.create_new_version(actor=cam, plan=plan)
    program_services.update_plan(
        actor=cam,
        plan=draft,
        title="Raised targets",
        targets=[{"metric": "pipeline", "target_value": "900", "owner": "A", "due_quarter": 3}],
    )

    program_services.approve_plan(actor=acme_admin, plan=draft)

    plan.refresh_from_db()
    draft.refresh_from_db()
    assert (plan.status, draft.status) == ("superseded", "approved")
    assert plan.superseded_at is not None
    event = AuditEvent.objects.for_object(plan).get(verb="plan.superseded")
    assert (event.from_state, event.to_state, event.data["by_version"]) == (
        "approved",
        "superseded",
        2,
    )
    assert JointBusinessPlan.objects.filter(partner=acme, status="approved").get() == draft
    with pytest.raises(PlanLocked, match="superseded and locked"):
        program_services.update_plan(actor=cam, plan=plan, title="Rewrite history")
    with pytest.raises(PlanError, match="this one is superseded"):
        program_services.create_new_version(actor=cam, plan=plan)
    assert program_services.create_new_version(actor=cam, plan=draft).version == 3


# --- Check-ins --------------------------------------------------------------------------------


@time_machine.travel(MID_2026, tick=False)
def test_check_in_notes_are_recorded_on_an_approved_plan(cam, acme, acme_admin):
    plan = ready_plan(partner=acme, created_by=cam)
    program_services.approve_plan(actor=acme_admin, plan=plan)
    checkin = plan.checkins.get()

    program_services.record_checkin(
        actor=cam, checkin=checkin, held_on=dt.date(2026, 2, 16), notes="On track"
    )

    checkin.refresh_from_db()
    assert (checkin.held_on, checkin.notes, checkin.notes_by) == (
        dt.date(2026, 2, 16),
        "On track",
        cam,
    )
    assert "plan.checkin_recorded" in verbs(plan)


@time_machine.travel(MID_2026, tick=False)
def test_check_in_notes_are_refused_in_the_future_without_a_date_or_by_others(
    cam, acme, acme_rep, other_cam
):
    plan = ready_plan(partner=acme, created_by=cam)
    checkin = plan.checkins.get()
    with pytest.raises(PlanError, match="cannot be held in the future"):
        program_services.record_checkin(
            actor=cam, checkin=checkin, held_on=dt.date(2026, 7, 1), notes=""
        )
    with pytest.raises(PlanError, match="Give the date"):
        program_services.record_checkin(actor=cam, checkin=checkin, held_on=None, notes="Talked")
    for outsider in (acme_rep, other_cam):
        with pytest.raises(PermissionDenied):
            program_services.record_checkin(
                actor=outsider, checkin=checkin, held_on=dt.date(2026, 2, 15), notes="x"
            )


@time_machine.travel(MID_2026, tick=False)
def test_notes_taken_while_a_new_version_was_drafted_carry_over_and_old_ones_lock(
    cam, acme, acme_admin
):
    plan = ready_plan(partner=acme, created_by=cam)
    program_services.approve_plan(actor=acme_admin, plan=plan)
    draft = program_services.create_new_version(actor=cam, plan=plan)
    old_checkin = plan.checkins.get()
    program_services.record_checkin(
        actor=cam, checkin=old_checkin, held_on=dt.date(2026, 2, 15), notes="Held during review"
    )

    program_services.approve_plan(actor=acme_admin, plan=draft)

    new_checkin = draft.checkins.get()
    assert (new_checkin.held_on, new_checkin.notes) == (dt.date(2026, 2, 15), "Held during review")
    old_checkin.refresh_from_db()
    with pytest.raises(PlanLocked, match="superseded"):
        program_services.record_checkin(
            actor=cam, checkin=old_checkin, held_on=dt.date(2026, 2, 15), notes="Late edit"
        )


def test_editing_the_cadence_keeps_notes_of_existing_check_ins(cam, acme):
    plan = PlanFactory(partner=acme, created_by=cam)
    kept = PlanCheckInFactory(
        plan=plan, scheduled_on=dt.date(2026, 2, 15), held_on=dt.date(2026, 2, 15), notes="Met"
    )
    dropped = PlanCheckInFactory(plan=plan, scheduled_on=dt.date(2026, 5, 15))

    program_services.update_plan(
        actor=cam,
        plan=plan,
        title=plan.title,
        checkins=[
            {"id": kept.pk, "scheduled_on": dt.date(2026, 2, 20), "agenda": "Moved"},
            {"scheduled_on": dt.date(2026, 8, 15)},
        ],
    )

    kept.refresh_from_db()
    assert (kept.scheduled_on, kept.agenda, kept.notes) == (dt.date(2026, 2, 20), "Moved", "Met")
    assert not plan.checkins.filter(pk=dropped.pk).exists()
    assert plan.checkins.count() == 2


# --- Reads ------------------------------------------------------------------------------------


def test_plans_are_scoped_like_partners(personas, acme, globex, distri):
    acme_plan = PlanFactory(partner=acme)
    globex_plan = PlanFactory(partner=globex)
    distri_plan = PlanFactory(partner=distri)

    def seen(who):
        return set(program_selectors.plans_visible_to(personas[who]))

    assert seen("acme_admin") == seen("acme_rep") == {acme_plan}
    assert seen("globex_admin") == {globex_plan}
    assert seen("distri_admin") == {distri_plan, acme_plan}  # its reseller's plan too
    assert seen("cam") == {acme_plan, distri_plan}
    assert seen("other_cam") == {globex_plan}
    assert seen("ops") == {acme_plan, globex_plan, distri_plan}
