"""The home page of channel account managers (and the parts program ops share): the review
queue in numbers, conflicts, extension requests and partners needing attention."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from deals.conflicts.selectors import conflicts_visible_to
from deals.models import DealConflict, DealRegistration
from deals.selectors import pending_extensions, review_queue
from partners.models import Partner, Qualification
from partners.selectors import partners_visible_to
from prm.models import User
from scorecards.models import TierProposal, TierReview

from .partner import LIST_LIMIT

Status = DealRegistration.Status
# A channel account manager's partners needing attention: most books fit whole.
ATTENTION_LIMIT = 25


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


def conflicts_to_resolve(user: User) -> dict:
    """The first open conflicts in ``user``'s scope and how many there are."""
    conflicts = open_conflicts(user)
    return {"conflicts": list(conflicts[:LIST_LIMIT]), "conflict_count": conflicts.count()}


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
    extensions = pending_extensions(user)
    attention = partners_needing_attention(user, now=now)
    return {
        "queue": queue_summary(user, now=now),
        **conflicts_to_resolve(user),
        "extensions": list(extensions[:LIST_LIMIT]),
        "extension_count": extensions.count(),
        "attention": list(attention[:ATTENTION_LIMIT]),
        "attention_count": attention.count(),
    }
