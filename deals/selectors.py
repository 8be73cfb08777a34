"""Reads of deal registrations, scoped by who is asking (through ``partners_visible_to``).

Scope: ops see every registration; a channel account manager, those of the partners assigned to
them; a partner user, their partner's; a distributor's users also their resellers'. Lookups
outside the scope answer 404.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Partner, PartnerMembership
from partners.selectors import in_partner_scope, partner_access, partners_visible_to
from prm.models import AuditEvent, User

from .models import (
    QUEUE_WAITING_ON_PARTNER,
    DealConflict,
    DealImport,
    DealProgramSettings,
    DealRegistration,
    ExtensionRequest,
)

Status = DealRegistration.Status


# --- Who may do what -------------------------------------------------------------------------


def _distributors_administered(user: User) -> frozenset[int]:
    access = partner_access(user)
    return access.distributor_of & access.admin_of


def acts_for_partner(user: User | None, partner: Partner) -> bool:
    """The partner side of a registration: the partner's own users, and the admins of its
    distributor (two-tier)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if partner.pk in partner_access(user).member_of:
        return True
    return (
        partner.parent_distributor_id is not None
        and partner.parent_distributor_id in _distributors_administered(user)
    )


def can_decide(user: User | None, registration: DealRegistration) -> bool:
    """Decisions belong to the partner's channel account manager, or to program ops."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_program_ops:
        return True
    return user.is_channel_manager and registration.partner.channel_manager_id == user.pk


def registrable_partners(user: User) -> QuerySet[Partner]:
    """Active partners the user may register deals for: their own, and as a distributor admin,
    the distributor's resellers."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Partner.objects.none()
    access = partner_access(user)
    administered = _distributors_administered(user)
    return (
        Partner.objects.filter(
            Q(pk__in=access.member_of) | Q(parent_distributor_id__in=administered),
            status=Partner.Status.ACTIVE,
        )
        .select_related("parent_distributor")
        .order_by("display_name", "pk")
    )


def partner_side_recipients(registration: DealRegistration) -> list[User]:
    """Who hears about decisions: the person who registered and the partner's admins."""
    admins = User.objects.filter(
        is_active=True,
        memberships__partner_id=registration.partner_id,
        memberships__role=PartnerMembership.Role.ADMIN,
    )
    users = {user.pk: user for user in admins}
    users.setdefault(registration.registered_by_id, registration.registered_by)
    return list(users.values())


def program_ops() -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        is_service_account=False,
        internal_role__in=[User.InternalRole.PROGRAM_OPS, User.InternalRole.ADMIN],
    )


def reviewers_for(partner: Partner) -> list[User]:
    """The partner's channel account manager, or program ops when nobody is assigned."""
    manager = partner.channel_manager
    if manager is not None and manager.is_active:
        return [manager]
    return list(program_ops())


def sla_escalation_recipients(partner: Partner) -> list[User]:
    """The lead of the partner's internal team, or program ops when there is none."""
    team = partner.team if partner.team_id else None
    lead = team.lead if team is not None else None
    if lead is not None and lead.is_active:
        return [lead]
    return list(program_ops())


# --- Registrations ---------------------------------------------------------------------------


def deals_visible_to(user: User) -> QuerySet[DealRegistration]:
    return DealRegistration.objects.select_related(
        "partner", "partner__channel_manager", "registered_by", "distributor"
    ).filter(in_partner_scope(user))


def get_deal_for_user(user: User, pk) -> DealRegistration:
    """The registration, or 404 when it is outside the user's scope."""
    return get_object_or_404(deals_visible_to(user).select_related("decided_by"), pk=pk)


def get_deal_for_review(user: User, pk) -> DealRegistration:
    """The registration if the user may decide it (its CAM or ops); 404 otherwise."""
    registration = get_deal_for_user(user, pk)
    if not can_decide(user, registration):
        raise Http404
    return registration


def review_queue(user: User) -> QuerySet[DealRegistration]:
    """Registrations waiting for a decision, most urgent first: those waiting for the vendor by
    SLA due time, then those waiting for the partner's answer. Each row carries its stored
    ``open_conflict_count``. Partner users have no queue."""
    if not getattr(user, "is_authenticated", False) or not user.is_internal:
        return DealRegistration.objects.none()
    return (
        deals_visible_to(user)
        .filter(status__in=DealRegistration.PENDING_STATUSES)
        .annotate(waiting_on_partner=QUEUE_WAITING_ON_PARTNER)
        .order_by("waiting_on_partner", F("sla_due_at").asc(nulls_last=True), "pk")
    )


def conflicts_of(registration: DealRegistration) -> QuerySet[DealConflict]:
    return registration.conflicts.all()


def extensions_of(registration: DealRegistration) -> QuerySet[ExtensionRequest]:
    return registration.extension_requests.select_related("requested_by", "decided_by")


def extension_refusal(registration: DealRegistration) -> str:
    """Why the program would refuse an extension request for the registration now, or "" when
    it may be asked for: the one rule behind the service and the "Request an extension"
    button. Policies: none; once (one granted extension; a refused request does not use it
    up); unlimited, one pending request at a time."""
    if registration.status != Status.APPROVED:
        return str(_("Only approved registrations can be extended."))
    if registration.protected_until is None:
        return str(_("This registration has no protection window to extend."))
    program = DealProgramSettings.current()
    policy = DealProgramSettings.ExtensionPolicy
    if program.extension_policy == policy.NONE:
        return str(_("The program does not allow extensions."))
    if registration.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
        return str(_("An extension request is already waiting for a decision."))
    if program.extension_policy == policy.ONCE and registration.extension_count >= 1:
        return str(_("This registration has already been extended once."))
    return ""


def pending_extensions(user: User) -> QuerySet[ExtensionRequest]:
    """Extension requests the user may decide, oldest first."""
    if not getattr(user, "is_authenticated", False) or not user.is_internal:
        return ExtensionRequest.objects.none()
    return (
        ExtensionRequest.objects.filter(
            status=ExtensionRequest.Status.PENDING,
            registration__in=deals_visible_to(user).values("pk"),
        )
        .select_related("registration", "registration__partner", "requested_by")
        .order_by("requested_at", "pk")
    )


def get_extension_for_review(user: User, pk) -> ExtensionRequest:
    extension = get_object_or_404(
        ExtensionRequest.objects.select_related(
            "registration", "registration__partner", "requested_by"
        ).filter(registration__in=deals_visible_to(user).values("pk")),
        pk=pk,
    )
    if not can_decide(user, extension.registration):
        raise Http404
    return extension


# --- Timeline --------------------------------------------------------------------------------

VERB_LABELS = {
    "deal.created": _("Registered"),
    "deal.updated": _("Details changed"),
    "deal.submitted": _("Submitted for review"),
    "deal.resubmitted": _("Resubmitted for review"),
    "deal.more_info_requested": _("More information requested"),
    "deal.approved": _("Approved"),
    "deal.rejected": _("Rejected"),
    "deal.withdrawn": _("Withdrawn"),
    "deal.won": _("Won"),
    "deal.lost": _("Lost"),
    "deal.expired": _("Protection expired"),
    "deal.extension_requested": _("Extension requested"),
    "deal.extension_approved": _("Extension granted"),
    "deal.extension_rejected": _("Extension refused"),
    "deal.expiry_reminder_sent": _("Expiry reminder sent"),
    "deal.sla_reminder_sent": _("Reviewer reminded of the due time"),
    "deal.sla_escalated": _("Decision overdue: escalated"),
    "extension.approved": _("Extension request approved"),
    "extension.rejected": _("Extension request refused"),
    "deal.conflicts_detected": _("Possible conflicts found"),
}


def timeline_for(registration: DealRegistration, *, internal: bool) -> list[AuditEvent]:
    """The registration's audit events, with those of its extension requests and (for the
    vendor side only: they name the other party) its conflicts, oldest first. Each event gets
    a ``label``."""
    types = ContentType.objects.get_for_models(DealRegistration, ExtensionRequest, DealConflict)
    related = Q(content_type=types[DealRegistration], object_id=str(registration.pk)) | Q(
        content_type=types[ExtensionRequest],
        object_id__in=[
            str(pk) for pk in registration.extension_requests.values_list("pk", flat=True)
        ],
    )
    if internal:
        related |= Q(
            content_type=types[DealConflict],
            object_id__in=[str(pk) for pk in registration.conflicts.values_list("pk", flat=True)],
        )
    events = list(
        AuditEvent.objects.filter(related).select_related("actor").order_by("created_at", "id")
    )
    for event in events:
        event.label = VERB_LABELS.get(event.verb, event.verb.replace("_", " ").replace(".", ": "))
    return events


# --- Reports ---------------------------------------------------------------------------------

AGING_BUCKETS = (
    ("under_7", _("Under 7 days"), 0, 7),
    ("7_30", _("7–30 days"), 7, 30),
    ("30_60", _("30–60 days"), 30, 60),
    ("60_90", _("60–90 days"), 60, 90),
    ("over_90", _("Over 90 days"), 90, None),
)


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: int


@dataclass(frozen=True)
class AgingRow:
    status: str
    label: str
    counts: list[int]
    total: int


@dataclass(frozen=True)
class AgingReport:
    buckets: list[str]
    rows: list[AgingRow]
    totals: list[Bar]
    total: int


def _require_internal(user: User) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_internal:
        raise Http404


def aging_report(user: User, *, now: dt.datetime | None = None) -> AgingReport:
    """Open registrations (submitted, more information, approved) by age since first submission,
    per status. One query, whatever the number of registrations."""
    _require_internal(user)
    now = now or timezone.now()
    counts = {}
    for key, _label, low, high in AGING_BUCKETS:
        condition = Q(first_submitted_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            condition &= Q(first_submitted_at__gt=now - dt.timedelta(days=high))
        counts[key] = Count("pk", filter=condition)
    rows = {
        row["status"]: row
        for row in deals_visible_to(user)
        .filter(status__in=DealRegistration.ACTIVE_STATUSES, first_submitted_at__isnull=False)
        .order_by()
        .values("status")
        .annotate(**counts)
    }
    labels = dict(Status.choices)
    report_rows = []
    for status in DealRegistration.ACTIVE_STATUSES:
        row = rows.get(status, {})
        numbers = [row.get(key, 0) for key, *_rest in AGING_BUCKETS]
        report_rows.append(AgingRow(status, str(labels[status]), numbers, sum(numbers)))
    bucket_totals = [sum(row.counts[i] for row in report_rows) for i in range(len(AGING_BUCKETS))]
    top = max(bucket_totals, default=0) or 1
    return AgingReport(
        buckets=[str(label) for _key, label, *_rest in AGING_BUCKETS],
        rows=report_rows,
        totals=[
            Bar(str(label), n, round(100 * n / top))
            for (_key, label, *_rest), n in zip(AGING_BUCKETS, bucket_totals, strict=True)
        ],
        total=sum(bucket_totals),
    )


@dataclass(frozen=True)
class SlaRow:
    reviewer: str
    waiting: int
    breached: int
    on_time: int
    late: int
    average_hours: float | None

    @property
    def answered(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.on_time / self.answered) if self.answered else None


@dataclass(frozen=True)
class SlaReport:
    days: int
    rows: list[SlaRow]
    total: SlaRow
    breached: list[DealRegistration]


def sla_report(user: User, *, days: int = 90, now: dt.datetime | None = None) -> SlaReport:
    """Per channel account manager: submissions waiting now (and how many are overdue), and
    submissions answered in the last ``days`` days on time or late, with the average hours to
    the first answer. The same SLA for every tier, so there is no tier column."""
    _require_internal(user)
    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    deals = deals_visible_to(user)
    waiting = Q(status=Status.SUBMITTED)
    answered = Q(sla_responded_at__gte=since, sla_due_at__isnull=False)
    response_time = ExpressionWrapper(
        F("sla_responded_at") - F("submitted_at"), output_field=DurationField()
    )
    grouped = (
        deals.filter(waiting | answered)
        .order_by()
        .values("partner__channel_manager")
        .annotate(
            reviewer_name=F("partner__channel_manager__full_name"),
            reviewer_email=F("partner__channel_manager__email"),
            waiting=Count("pk", filter=waiting),
            breached=Count("pk", filter=waiting & Q(sla_due_at__lt=now)),
            on_time=Count("pk", filter=answered & Q(sla_responded_at__lte=F("sla_due_at"))),
            late=Count("pk", filter=answered & Q(sla_responded_at__gt=F("sla_due_at"))),
            average=Avg(response_time, filter=answered),
        )
    )
    rows = []
    for row in grouped:
        rows.append(
            SlaRow(
                reviewer=row["reviewer_name"]
                or row["reviewer_email"]
                or str(_("Unassigned (program ops)")),
                waiting=row["waiting"],
                breached=row["breached"],
                on_time=row["on_time"],
                late=row["late"],
                average_hours=_hours(row["average"]),
            )
        )
    rows.sort(key=lambda r: (-r.breached, r.reviewer))
    total = SlaRow(
        reviewer=str(_("All")),
        waiting=sum(r.waiting for r in rows),
        breached=sum(r.breached for r in rows),
        on_time=sum(r.on_time for r in rows),
        late=sum(r.late for r in rows),
        average_hours=_hours(deals.filter(answered).aggregate(a=Avg(response_time))["a"]),
    )
    breached = list(deals.filter(waiting, sla_due_at__lt=now).order_by("sla_due_at", "pk")[:20])
    return SlaReport(days=days, rows=rows, total=total, breached=breached)


def _hours(average) -> float | None:
    if average is None:
        return None
    if isinstance(average, dt.timedelta):
        return round(average.total_seconds() / 3600, 1)
    # SQLite returns the average of a duration as microseconds.
    return round(float(average) / 3_600_000_000, 1)


# --- Imports ---------------------------------------------------------------------------------


def imports_visible_to(user: User) -> QuerySet[DealImport]:
    return DealImport.objects.select_related("partner", "uploaded_by").filter(
        partner__in=partners_visible_to(user).values("pk")
    )


def get_import_for_user(user: User, pk) -> DealImport:
    return get_object_or_404(imports_visible_to(user), pk=pk)
