"""Home page data for the vendor's people: channel account managers and program ops.

Counts are single aggregate queries; lists are bounded slices of scoped selectors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.conflicts.selectors import conflicts_visible_to
from deals.leads.selectors import leads_visible_to
from deals.models import (
    CommissionRun,
    DealConflict,
    DealImport,
    DealRegistration,
    ExtensionRequest,
    Lead,
)
from deals.selectors import deals_visible_to, pending_extensions, review_queue
from enablement.models import CertificationImport
from mdf.models import FundRequest, MdfSettings
from partners.models import Partner, Qualification
from partners.selectors import partners_visible_to
from prm.audit import events_for
from prm.models import User
from scorecards.models import TierProposal, TierReview

Status = DealRegistration.Status
LIST_LIMIT = 10
JOB_LIMIT = 12


@dataclass(frozen=True)
class QueueSummary:
    waiting: int
    breached: int
    due_today: int
    on_partner: int


def queue_summary(user: User, *, now: dt.datetime | None = None) -> QueueSummary:
    """The review queue in four numbers: waiting for the vendor, past due, due before the end
    of today, and waiting for the partner's answer (more information requested)."""
    now = now or timezone.now()
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    vendor = Q(status=Status.SUBMITTED)
    counts = (
        review_queue(user)
        .order_by()
        .aggregate(
            waiting=Count("pk", filter=vendor),
            breached=Count("pk", filter=vendor & Q(sla_due_at__lt=now)),
            due_today=Count(
                "pk", filter=vendor & Q(sla_due_at__gte=now, sla_due_at__lte=end_of_day)
            ),
            on_partner=Count("pk", filter=Q(status=Status.MORE_INFO)),
        )
    )
    return QueueSummary(**counts)


def open_conflicts(user: User) -> QuerySet[DealConflict]:
    return (
        conflicts_visible_to(user)
        .filter(resolution=DealConflict.Resolution.OPEN)
        .order_by("created_at", "pk")
    )


def partners_needing_attention(user: User, *, now: dt.datetime | None = None) -> QuerySet[Partner]:
    """Active partners in scope with a reason to look: a registration past its decision due
    time, a warning or demotion from the last tier review, or no Scale/Skill/Will assessment.
    Each carries ``breached``, ``tier_warning`` and ``assessed`` (one query)."""
    now = now or timezone.now()
    last_review = TierReview.objects.filter(status=TierReview.Status.DONE).order_by(
        "-period_start"
    )[:1]
    flagged = TierProposal.objects.filter(
        partner=OuterRef("pk"), review__in=last_review, below_requirements=True
    )
    return (
        partners_visible_to(user)
        .filter(status=Partner.Status.ACTIVE)
        .annotate(
            breached=Count(
                "deal_registrations",
                filter=Q(
                    deal_registrations__status=Status.SUBMITTED,
                    deal_registrations__sla_due_at__lt=now,
                ),
            ),
            tier_warning=Exists(flagged),
            assessed=Exists(Qualification.objects.filter(partner=OuterRef("pk"))),
        )
        .filter(Q(breached__gt=0) | Q(tier_warning=True) | Q(assessed=False))
        .order_by("-breached", "-tier_warning", "display_name", "pk")
    )


def cam_home(user: User, *, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    conflicts = open_conflicts(user)
    extensions = pending_extensions(user)
    attention = partners_needing_attention(user, now=now)
    return {
        "queue": queue_summary(user, now=now),
        "conflicts": list(conflicts[:LIST_LIMIT]),
        "conflict_count": conflicts.count(),
        "extensions": list(extensions[:LIST_LIMIT]),
        "extension_count": extensions.count(),
        "attention": list(attention[:LIST_LIMIT]),
        "attention_count": attention.count(),
    }


# --- Program ops ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    label: str
    value: int
    warn: bool = False


def program_health(user: User, *, now: dt.datetime | None = None) -> list[Figure]:
    """A handful of program-wide figures, each one aggregate query."""
    now = now or timezone.now()
    partners = (
        partners_visible_to(user)
        .order_by()
        .aggregate(
            active=Count("pk", filter=Q(status=Partner.Status.ACTIVE)),
            onboarding=Count("pk", filter=Q(status=Partner.Status.ONBOARDING)),
        )
    )
    deals = (
        deals_visible_to(user)
        .order_by()
        .aggregate(
            waiting=Count("pk", filter=Q(status=Status.SUBMITTED)),
            breached=Count("pk", filter=Q(status=Status.SUBMITTED, sla_due_at__lt=now)),
            protected=Count("pk", filter=Q(status=Status.APPROVED)),
        )
    )
    conflicts = open_conflicts(user).count()
    leads = leads_visible_to(user).filter(status=Lead.Status.OFFERED).count()
    mdf = FundRequest.objects.filter(
        status__in=(FundRequest.Status.SUBMITTED, FundRequest.Status.AWAITING_OPS)
    ).count()
    extensions = ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING).count()
    return [
        Figure(_("Active partners"), partners["active"]),
        Figure(_("Partners onboarding"), partners["onboarding"]),
        Figure(_("Registrations waiting for a decision"), deals["waiting"]),
        Figure(_("Past their decision due time"), deals["breached"], deals["breached"] > 0),
        Figure(_("Protected registrations"), deals["protected"]),
        Figure(_("Open conflicts"), conflicts, conflicts > 0),
        Figure(_("Extension requests"), extensions),
        Figure(_("Leads waiting for a partner's answer"), leads),
        Figure(_("MDF requests waiting"), mdf),
    ]


@dataclass(frozen=True)
class JobRow:
    kind: str
    label: str
    status: str
    failed: bool
    at: dt.datetime | None
    url: str
    error: str = ""


def recent_jobs(*, limit: int = JOB_LIMIT) -> list[JobRow]:
    """The latest background jobs of every kind, newest first: deal and certification imports,
    commission runs, tier reviews and MDF accruals (recorded as audit rows)."""
    rows: list[JobRow] = []
    for job in DealImport.objects.select_related("partner").order_by("-created_at")[:limit]:
        rows.append(_import_row(job, _("Deal import"), job.created_at, job.get_absolute_url()))
    for job in CertificationImport.objects.order_by("-created_at")[:limit]:
        rows.append(
            _import_row(job, _("Certification import"), job.created_at, job.get_absolute_url())
        )
    for run in CommissionRun.objects.order_by("-created_at")[:limit]:
        rows.append(
            JobRow(
                _("Commission run"), run.period, run.get_status_display(),
                run.status == CommissionRun.Status.FAILED, run.finished_at or run.created_at,
                reverse("deals:commission_run_detail", args=[run.pk]), run.error,
            )
        )  # fmt: skip
    for review in TierReview.objects.order_by("-created_at")[:limit]:
        rows.append(
            JobRow(
                _("Tier review"), review.quarter, review.get_status_display(),
                review.status == TierReview.Status.FAILED, review.finished_at or review.created_at,
                review.get_absolute_url(), review.error,
            )
        )  # fmt: skip
    for event in events_for(MdfSettings.current()).filter(verb="mdf.accrual_run")[:limit]:
        rows.append(
            JobRow(
                _("MDF accrual"), event.data.get("month", ""), _("Done"), False,
                event.created_at, "",
            )
        )  # fmt: skip
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    rows.sort(key=lambda row: row.at or epoch, reverse=True)
    return rows[:limit]


def _import_row(job, kind, at, url) -> JobRow:
    # Deal imports name their file ``filename``, certification imports ``file_name``.
    name = getattr(job, "filename", "") or getattr(job, "file_name", "")
    return JobRow(
        kind, name, job.get_status_display(),
        job.status == job.Status.FAILED, job.finished_at or at, url, job.error,
    )  # fmt: skip
