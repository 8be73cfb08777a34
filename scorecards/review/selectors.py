"""Reads of tier reviews and proposals, scoped by who is asking.

- program ops see every review and proposal;
- a channel account manager sees the proposals of their partners;
- partner users see their own partner's proposals once applied, and the warnings they were sent
  (what is still under review stays internal).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from partners.models import Partner, Tier, TierRequirement
from partners.selectors import next_tier, partner_access
from partners.tier_progress import RequirementStanding, TierStanding, evaluate_tier
from prm.id_sets import id_set
from prm.models import User
from prm.periods import FiscalPeriod, fiscal_quarter, parse_period

from ..models import ProposalApplication, TierProposal, TierReview, TierReviewSettings
from .policy import Weights, qualify


def parse_quarter(text: str) -> FiscalPeriod:
    """``2026-Q3`` or ``FY2026-Q3``; ``ValueError`` for anything else."""
    label = (text or "").strip().upper()
    if not label.startswith("FY"):
        label = "FY" + label
    period = parse_period(label)
    if period.quarter is None:
        raise ValueError(f"Not a fiscal quarter: {text!r} (expected FY2026-Q3).")
    return period


def last_closed_quarter(today: dt.date) -> FiscalPeriod:
    return fiscal_quarter(today).previous()


def reviews_visible_to(user: User) -> QuerySet[TierReview]:
    if not getattr(user, "is_authenticated", False) or not user.is_program_ops:
        return TierReview.objects.none()
    return TierReview.objects.select_related("started_by")


def get_review_for_user(user: User, pk) -> TierReview:
    return get_object_or_404(reviews_visible_to(user), pk=pk)


def applications_visible_to(user: User) -> QuerySet[ProposalApplication]:
    """Bulk applications of proposals: program ops' jobs, seen by program ops only."""
    if not getattr(user, "is_authenticated", False) or not user.is_program_ops:
        return ProposalApplication.objects.none()
    return ProposalApplication.objects.select_related("review", "requested_by")


def get_application_for_user(user: User, pk) -> ProposalApplication:
    return get_object_or_404(applications_visible_to(user), pk=pk)


def latest_application(review: TierReview) -> ProposalApplication | None:
    """The review's most recent bulk application (its progress, or how it ended)."""
    return review.applications.select_related("requested_by").first()


def proposals_visible_to(user: User) -> QuerySet[TierProposal]:
    base = TierProposal.objects.select_related(
        "review", "partner", "current_tier", "proposed_tier", "override_tier", "decided_by"
    )
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    if user.is_program_ops:
        return base
    if user.is_channel_manager:
        return base.filter(partner__channel_manager=user)
    access = partner_access(user)
    if not access.member_of:
        return base.none()
    return base.filter(partner_id__in=access.member_of).filter(
        Q(applied_at__isnull=False) | Q(warned=True)
    )


def get_proposal_for_user(user: User, pk) -> TierProposal:
    return get_object_or_404(proposals_visible_to(user), pk=pk)


def search_proposals(
    user: User,
    *,
    review: TierReview | None = None,
    action: str = "",
    tier: Tier | None = None,
    decision: str = "",
    applied: bool | None = None,
    partner: Partner | None = None,
) -> QuerySet[TierProposal]:
    rows = proposals_visible_to(user)
    if review is not None:
        rows = rows.filter(review=review)
    if action:
        rows = rows.filter(action=action)
    if tier is not None:
        rows = rows.filter(Q(current_tier=tier) | Q(proposed_tier=tier))
    if decision:
        rows = rows.filter(decision=decision)
    if applied is not None:
        rows = rows.filter(applied_at__isnull=not applied)
    if partner is not None:
        rows = rows.filter(partner=partner)
    return rows.order_by("-review__period_start", "partner__display_name", "pk")


def proposal_history_for(user: User, partner: Partner) -> QuerySet[TierProposal]:
    """The partner's proposals, newest review first, as far as ``user`` may see them."""
    return proposals_visible_to(user).filter(partner=partner).order_by("-review__period_start")


def decision_counts(review: TierReview) -> dict[str, int]:
    rows = review.proposals.order_by().values_list("decision").annotate(n=Count("pk"))
    counts = dict(rows)
    counts["applied"] = review.proposals.filter(applied_at__isnull=False).count()
    return counts


def action_counts(review: TierReview) -> dict[str, int]:
    return dict(review.proposals.order_by().values_list("action").annotate(n=Count("pk")))


def previous_review(review: TierReview) -> TierReview | None:
    """The review of the quarter before ``review``'s, or of the last one before it."""
    return (
        TierReview.objects.filter(period_end__lt=review.period_start)
        .order_by("-period_start")
        .first()
    )


def previous_misses(
    review: TierReview, partner_ids: list[int]
) -> dict[int, tuple[int, int | None]]:
    """For each partner, from the last earlier review: (consecutive misses, tier it was in)."""
    previous = previous_review(review)
    if previous is None:
        return {}
    return {
        partner_id: (misses, tier_id)
        for partner_id, misses, tier_id in TierProposal.objects.filter(
            review=previous, partner_id__in=id_set(partner_ids)
        ).values_list("partner_id", "misses", "current_tier_id")
    }


def partners_to_review() -> QuerySet[Partner]:
    return Partner.objects.filter(status=Partner.Status.ACTIVE)


# --- The partner's gap to the next tier, and what certifying people would change ---------------


@dataclass(frozen=True)
class WhatIf:
    """The partner against the tier above its own, under the review policy."""

    tier: Tier
    standing: TierStanding
    score: Decimal
    qualifies: bool
    # Certification criteria still short, with what closes each ("2 more certified developers").
    certification_gaps: list[RequirementStanding]
    # Criteria certifying people cannot close (revenue, won deals, references).
    other_gaps: list[RequirementStanding]
    score_if_certified: Decimal
    qualifies_if_certified: bool
    needed_percent: int

    @property
    def certification_steps(self) -> list[str]:
        return [text for r in self.certification_gaps for text in r.missing]

    @property
    def certification_labels(self) -> list[str]:
        return [r.label for r in self.certification_gaps]


def what_if(partner: Partner, *, as_of: dt.date | None = None) -> WhatIf | None:
    """The gap to the next tier, and whether closing its certification criteria (people
    certifying) would earn it at the next review. None at the top tier."""
    upcoming = next_tier(partner.tier)
    if upcoming is None:
        return None
    weights = Weights.from_settings(TierReviewSettings.current())
    standing = evaluate_tier(partner, upcoming, as_of=as_of)
    now = qualify(standing, weights)
    certification_gaps = [
        r for r in standing.unmet if r.requirement.is_certification_metric and r.measured
    ]
    other_gaps = [r for r in standing.unmet if r not in certification_gaps]
    closed = TierStanding(
        upcoming,
        [
            replace(r, met=True, worded_missing=[]) if r in certification_gaps else r
            for r in standing.requirements
        ],
    )
    after = qualify(closed, weights)
    return WhatIf(
        tier=upcoming,
        standing=standing,
        score=now.score,
        qualifies=now.qualifies,
        certification_gaps=certification_gaps,
        other_gaps=other_gaps,
        score_if_certified=after.score,
        qualifies_if_certified=after.qualifies,
        needed_percent=weights.qualifying_percent,
    )


@dataclass(frozen=True)
class SnapshotRow:
    metric: str
    label: str
    value: str | None
    threshold: str
    met: bool


def snapshot_tiers(proposal: TierProposal) -> list[tuple[str, dict, list[SnapshotRow]]]:
    """The proposal's metrics snapshot for display: each tier with its criteria's values."""
    labels = dict(TierRequirement.Metric.choices)
    metrics = proposal.metrics.get("metrics", {})
    program = proposal.review.program or {}
    result = []
    for name, tier in proposal.metrics.get("tiers", {}).items():
        unmet = set(tier.get("unmet", []))
        thresholds = program.get(name, {}).get("thresholds", {})
        rows = [
            SnapshotRow(
                metric,
                str(labels.get(metric, metric)),
                metrics.get(metric),
                threshold,
                metric not in unmet,
            )
            for metric, threshold in thresholds.items()
        ]
        result.append((name, tier, rows))
    return result


# --- The partner against its own tier, and what the next review would do -------------------


@dataclass(frozen=True)
class TierOutlook:
    """A partner measured against its current tier now, and the next review's verdict if
    nothing changes before it runs."""

    tier: Tier
    standing: TierStanding
    score: Decimal
    below: bool
    next_review_on: dt.date
    quarter: FiscalPeriod
    # Consecutive reviews below the tier, counting the next one if the partner stays below.
    misses: int
    grace_reviews: int
    # "demote", "warn" (grace period) or "" (meets the tier, or nothing below to demote to).
    next_action: str


def tier_outlook(partner: Partner, *, today: dt.date) -> TierOutlook | None:
    """Whether ``partner`` is below its tier's requirements today and, if it stays so, what the
    quarterly review of the running quarter (run on the first day of the next) would do under
    the grace-period rule of ``policy.propose``. None without a tier."""
    tier = partner.tier
    if tier is None:
        return None
    weights = Weights.from_settings(TierReviewSettings.current())
    standing = evaluate_tier(partner, tier, as_of=today)
    qualification = qualify(standing, weights)
    quarter = fiscal_quarter(today)
    last = (
        TierProposal.objects.filter(partner=partner, review__period_end__lt=quarter.start)
        .order_by("-review__period_start")
        .values_list("misses", "current_tier_id")
        .first()
    )
    previous = last[0] if last and last[1] == tier.pk else 0
    below = not qualification.qualifies
    misses = previous + 1 if below else 0
    action = ""
    if below and Tier.objects.filter(rank__lt=tier.rank).exists():
        action = "warn" if misses <= weights.grace_reviews else "demote"
    return TierOutlook(
        tier=tier,
        standing=standing,
        score=qualification.score,
        below=below,
        next_review_on=quarter.end + dt.timedelta(days=1),
        quarter=quarter,
        misses=misses,
        grace_reviews=weights.grace_reviews,
        next_action=action,
    )
