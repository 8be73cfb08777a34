"""Writes for joint business plans, each audited (a partner's onboarding checklist:
``onboarding``).

A joint business plan is drafted by the channel account manager or a partner admin and approved
by a partner admin. An approved plan is locked: changing it means a new version, a draft copy
that supersedes it once approved.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner, PartnerMembership
from partners.selectors import (
    partner_access,
)
from prm.audit import record_event
from prm.exceptions import Conflict, DomainError, PermissionDenied
from prm.locks import lock, lock_many
from prm.models import User
from prm.notifications import notify, resolve

from ..models import (
    JointBusinessPlan,
    PlanCheckIn,
    PlanInitiative,
    PlanTarget,
)
from .selectors import (
    can_draft_plan,
    plan_versions,
)


class PlanError(DomainError):
    """The business plan request was refused."""

    code = "plan_error"


class PlanLocked(PlanError):
    """The plan is approved and locked; start a new version to change it."""

    code = "plan_locked"
    status_code = 409


# --- Joint business plans -------------------------------------------------------------------------


def _require_drafter(actor: User, partner: Partner) -> None:
    if not can_draft_plan(actor, partner):
        raise PermissionDenied(
            _("Only the partner's channel account manager or a partner admin drafts its plan.")
        )


def _refuse_if_locked(plan: JointBusinessPlan) -> None:
    if plan.is_locked:
        raise PlanLocked(
            _(
                "Version %(version)s of this plan is %(status)s and locked; "
                "start a new version to change it."
            )
            % {"version": plan.version, "status": plan.get_status_display().lower()},
            details={"status": plan.status, "version": plan.version},
        )


@transaction.atomic
def create_plan(
    *,
    actor: User,
    partner: Partner,
    fiscal_year: int,
    title: str,
    summary: str = "",
    currency: str | None = None,
) -> JointBusinessPlan:
    _require_drafter(actor, partner)
    lock(Partner, partner.pk)  # two people starting the same year's plan: one wins
    if JointBusinessPlan.objects.filter(partner=partner, fiscal_year=fiscal_year).exists():
        raise Conflict(
            _("%(partner)s already has a plan for FY%(year)s; edit it or start a new version.")
            % {"partner": partner.display_name, "year": fiscal_year},
            code="plan_exists",
        )
    plan = JointBusinessPlan(
        partner=partner,
        fiscal_year=fiscal_year,
        title=title.strip(),
        summary=summary.strip(),
        created_by=actor,
    )
    if currency:
        plan.currency = currency
    plan.full_clean(exclude=["partner", "created_by", "based_on", "approved_by"])
    plan.save()
    record_event(plan, actor=actor, verb="plan.created", to_state=plan.status)
    _tell_admins_a_draft_waits(plan, actor)
    return plan


def _decimal_value(value, label: str) -> Decimal:
    if isinstance(value, float):
        raise PlanError(_("%(label)s must be given as a string.") % {"label": label})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise PlanError(_("%(label)s is not a number.") % {"label": label}) from exc
    if not number.is_finite() or number < 0:
        raise PlanError(_("%(label)s must be zero or more.") % {"label": label})
    return number


def _targets(plan: JointBusinessPlan, rows: list[dict]) -> list[PlanTarget]:
    targets = []
    for position, row in enumerate(rows):
        label = _("Target %(n)s") % {"n": position + 1}
        if row.get("metric") not in PlanTarget.Metric.values:
            raise PlanError(_("%(label)s: choose a metric.") % {"label": label})
        quarter = row.get("due_quarter")
        if quarter not in (1, 2, 3, 4):
            raise PlanError(_("%(label)s: the due quarter is 1 to 4.") % {"label": label})
        if not str(row.get("owner", "")).strip():
            raise PlanError(_("%(label)s: name an owner.") % {"label": label})
        targets.append(
            PlanTarget(
                plan=plan,
                position=position,
                metric=row["metric"],
                description=str(row.get("description", "")).strip()[:200],
                target_value=_decimal_value(row.get("target_value"), label),
                owner=str(row["owner"]).strip()[:120],
                due_quarter=quarter,
            )
        )
    return targets


def _within_year(plan: JointBusinessPlan, day: dt.date, label: str) -> None:
    period = plan.period
    if not period.contains(day):
        raise PlanError(
            _("%(label)s: %(day)s is outside %(year)s (%(start)s to %(end)s).")
            % {
                "label": label,
                "day": day,
                "year": period.label,
                "start": period.start,
                "end": period.end,
            }
        )


def _initiatives(plan: JointBusinessPlan, rows: list[dict]) -> list[PlanInitiative]:
    initiatives = []
    for position, row in enumerate(rows):
        label = _("Initiative %(n)s") % {"n": position + 1}
        starts, ends = row.get("starts_on"), row.get("ends_on")
        if not str(row.get("title", "")).strip() or not str(row.get("owner", "")).strip():
            raise PlanError(_("%(label)s needs a title and an owner.") % {"label": label})
        if not isinstance(starts, dt.date) or not isinstance(ends, dt.date):
            raise PlanError(_("%(label)s needs a start and an end date.") % {"label": label})
        if ends < starts:
            raise PlanError(_("%(label)s ends before it starts.") % {"label": label})
        _within_year(plan, starts, label)
        _within_year(plan, ends, label)
        initiatives.append(
            PlanInitiative(
                plan=plan,
                position=position,
                title=str(row["title"]).strip()[:200],
                description=str(row.get("description", "")).strip(),
                owner=str(row["owner"]).strip()[:120],
                starts_on=starts,
                ends_on=ends,
            )
        )
    return initiatives


def _save_checkins(plan: JointBusinessPlan, rows: list[dict]) -> None:
    """Update the cadence in place so notes already recorded on a check-in survive edits."""
    existing: dict[object, PlanCheckIn] = {checkin.pk: checkin for checkin in plan.checkins.all()}
    kept = set()
    for index, row in enumerate(rows, start=1):
        label = _("Check-in %(n)s") % {"n": index}
        day = row.get("scheduled_on")
        if not isinstance(day, dt.date):
            raise PlanError(_("%(label)s needs a date.") % {"label": label})
        _within_year(plan, day, label)
        agenda = str(row.get("agenda", "")).strip()[:300]
        checkin = existing.get(row.get("id"))
        if checkin is None:
            PlanCheckIn.objects.create(plan=plan, scheduled_on=day, agenda=agenda)
        else:
            kept.add(checkin.pk)
            checkin.scheduled_on, checkin.agenda = day, agenda
            checkin.save(update_fields=["scheduled_on", "agenda"])
    plan.checkins.filter(pk__in=[pk for pk in existing if pk not in kept]).delete()


@transaction.atomic
def update_plan(
    *,
    actor: User,
    plan: JointBusinessPlan,
    title: str,
    summary: str = "",
    targets: list[dict] | None = None,
    initiatives: list[dict] | None = None,
    checkins: list[dict] | None = None,
) -> JointBusinessPlan:
    """Replace a draft's content. Any edit of an approved or superseded plan is refused."""
    plan = lock(JointBusinessPlan, plan.pk)
    _refuse_if_locked(plan)
    _require_drafter(actor, plan.partner)
    if not title.strip():
        raise PlanError(_("Give the plan a title."))
    plan.title, plan.summary = title.strip()[:200], summary.strip()
    plan.save(update_fields=["title", "summary", "updated_at"])
    if targets is not None:
        new_targets = _targets(plan, targets)
        plan.targets.all().delete()
        PlanTarget.objects.bulk_create(new_targets)
    if initiatives is not None:
        new_initiatives = _initiatives(plan, initiatives)
        plan.initiatives.all().delete()
        PlanInitiative.objects.bulk_create(new_initiatives)
    if checkins is not None:
        _save_checkins(plan, checkins)
    record_event(
        plan,
        actor=actor,
        verb="plan.updated",
        data={
            "targets": plan.targets.count(),
            "initiatives": plan.initiatives.count(),
            "checkins": plan.checkins.count(),
        },
    )
    return plan


@transaction.atomic
def approve_plan(*, actor: User, plan: JointBusinessPlan, note: str = "") -> JointBusinessPlan:
    """A partner admin approves the draft; the version it replaces becomes superseded."""
    if plan.partner_id not in partner_access(actor).admin_of:
        raise PermissionDenied(_("Only an admin of the partner approves its business plan."))
    previous = (
        JointBusinessPlan.objects.filter(
            partner_id=plan.partner_id,
            fiscal_year=plan.fiscal_year,
            status=JointBusinessPlan.Status.APPROVED,
        )
        .exclude(pk=plan.pk)
        .values_list("pk", flat=True)
        .first()
    )
    ids = [plan.pk, previous] if previous else [plan.pk]
    locked = {row.pk: row for row in lock_many(JointBusinessPlan, ids)}
    plan = locked[plan.pk]
    _refuse_if_locked(plan)
    if not plan.targets.exists() or not plan.checkins.exists():
        raise PlanError(
            _("A plan needs at least one target and one check-in date before approval."),
            code="plan_incomplete",
        )
    now = timezone.now()
    if previous:
        _supersede(locked[previous], by=plan, actor=actor, now=now)
    plan.move_to(JointBusinessPlan.Status.APPROVED)
    resolve(reverse("enablement:plan_detail", args=[plan.pk]), ("plan_awaiting_approval",))
    plan.approved_by, plan.approved_at = actor, now
    plan.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    record_event(
        plan,
        actor=actor,
        verb="plan.approved",
        from_state=JointBusinessPlan.Status.DRAFT,
        to_state=plan.status,
        reason=note,
    )
    notify(
        [plan.created_by, plan.partner.channel_manager],
        kind="plan_approved",
        template="enablement/email/plan_approved",
        context={"plan": plan, "approver": actor},
        url=plan.get_absolute_url(),
    )
    return plan


def _supersede(old: JointBusinessPlan, *, by: JointBusinessPlan, actor: User, now) -> None:
    previous_status = old.move_to(JointBusinessPlan.Status.SUPERSEDED)
    old.superseded_at = now
    old.save(update_fields=["status", "superseded_at", "updated_at"])
    record_event(
        old,
        actor=actor,
        verb="plan.superseded",
        from_state=previous_status,
        to_state=old.status,
        data={"by_version": by.version, "by_plan": by.pk},
    )
    # Meetings noted on the old version after the new one was drafted are not lost.
    notes = {c.scheduled_on: c for c in old.checkins.exclude(notes="", held_on__isnull=True)}
    for checkin in by.checkins.filter(scheduled_on__in=list(notes), notes="", held_on__isnull=True):
        source = notes[checkin.scheduled_on]
        checkin.held_on, checkin.notes = source.held_on, source.notes
        checkin.notes_by, checkin.notes_at = source.notes_by, source.notes_at
        checkin.save(update_fields=["held_on", "notes", "notes_by", "notes_at"])


@transaction.atomic
def create_new_version(*, actor: User, plan: JointBusinessPlan) -> JointBusinessPlan:
    """Copy the approved plan into a new draft (version + 1) that can be edited."""
    _require_drafter(actor, plan.partner)
    plan = lock(JointBusinessPlan, plan.pk)
    if plan.status != JointBusinessPlan.Status.APPROVED:
        raise PlanError(
            _("Only the approved plan can be revised; this one is %(status)s.")
            % {"status": plan.get_status_display().lower()},
            code="plan_not_approved",
        )
    draft = JointBusinessPlan.objects.filter(
        partner_id=plan.partner_id, fiscal_year=plan.fiscal_year, status="draft"
    ).first()
    if draft is not None:
        raise Conflict(
            _("Version %(version)s is already being drafted.") % {"version": draft.version},
            code="plan_draft_exists",
            details={"draft_id": draft.pk},
        )
    latest = plan_versions(plan).aggregate(n=Max("version"))["n"]
    copy = JointBusinessPlan.objects.create(
        partner_id=plan.partner_id,
        fiscal_year=plan.fiscal_year,
        version=latest + 1,
        title=plan.title,
        summary=plan.summary,
        currency=plan.currency,
        based_on=plan,
        created_by=actor,
    )
    PlanTarget.objects.bulk_create(
        PlanTarget(
            plan=copy,
            position=t.position,
            metric=t.metric,
            description=t.description,
            target_value=t.target_value,
            owner=t.owner,
            due_quarter=t.due_quarter,
        )
        for t in plan.targets.all()
    )
    PlanInitiative.objects.bulk_create(
        PlanInitiative(
            plan=copy,
            position=i.position,
            title=i.title,
            description=i.description,
            owner=i.owner,
            starts_on=i.starts_on,
            ends_on=i.ends_on,
        )
        for i in plan.initiatives.all()
    )
    PlanCheckIn.objects.bulk_create(
        PlanCheckIn(
            plan=copy,
            scheduled_on=c.scheduled_on,
            agenda=c.agenda,
            held_on=c.held_on,
            notes=c.notes,
            notes_by=c.notes_by,
            notes_at=c.notes_at,
        )
        for c in plan.checkins.all()
    )
    record_event(
        copy,
        actor=actor,
        verb="plan.version_created",
        to_state=copy.status,
        data={"based_on": plan.pk, "based_on_version": plan.version},
    )
    _tell_admins_a_draft_waits(copy, actor)
    return copy


@transaction.atomic
def record_checkin(
    *, actor: User, checkin: PlanCheckIn, held_on: dt.date | None, notes: str
) -> PlanCheckIn:
    """Record what a check-in covered. Notes belong to the running plan, so they may be kept on
    an approved plan (its targets and cadence stay locked); a superseded plan is history."""
    checkin = lock(PlanCheckIn, checkin.pk)
    plan = checkin.plan
    if plan.status == JointBusinessPlan.Status.SUPERSEDED:
        raise PlanLocked(_("This version is superseded; record notes on the current plan."))
    _require_drafter(actor, plan.partner)
    if held_on is not None and held_on > timezone.localdate():
        raise PlanError(_("A check-in cannot be held in the future."))
    if notes.strip() and held_on is None:
        raise PlanError(_("Give the date the check-in was held."))
    checkin.held_on, checkin.notes = held_on, notes.strip()
    checkin.notes_by, checkin.notes_at = actor, timezone.now()
    checkin.save(update_fields=["held_on", "notes", "notes_by", "notes_at"])
    record_event(
        plan,
        actor=actor,
        verb="plan.checkin_recorded",
        data={"checkin": checkin.pk, "scheduled_on": str(checkin.scheduled_on),
              "held_on": str(held_on or "")},
    )  # fmt: skip
    return checkin


def _tell_admins_a_draft_waits(plan: JointBusinessPlan, actor: User) -> None:
    admins = [
        membership.user
        for membership in PartnerMembership.objects.filter(
            partner_id=plan.partner_id, role=PartnerMembership.Role.ADMIN
        ).select_related("user")
        if membership.user_id != actor.pk
    ]
    notify(
        admins,
        kind="plan_awaiting_approval",
        template="enablement/email/plan_awaiting_approval",
        context={"plan": plan, "author": actor},
        url=reverse("enablement:plan_detail", args=[plan.pk]),
    )
