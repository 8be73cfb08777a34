"""The tier review's partners loaded and measured ahead of the chunks that write their
proposals: the set-based metrics cost about the same for the whole program as for one chunk, so
the review measures up to ``MEASURE_SIZE`` partners with one query per metric."""

from __future__ import annotations

from partners.models import Partner, Tier
from partners.tier_progress import MeasuredStandings

from ..models import TierReview
from . import selectors

MEASURE_SIZE = 10_000
# What the review and the set-based measures read of a partner (the region measure: the regions
# it serves, else its country's): 10,000 partners load in a fraction of the time of the whole
# rows. A measure reading another field would cost a query per partner, which
# tests/scorecards/test_review_services.py counts.
FIELDS = ("pk", "tier_id", "regions_served", "hq_country")


def measure_ahead(
    review: TierReview, first_id: int, tiers: list[Tier]
) -> tuple[list[Partner], MeasuredStandings | None]:
    """The next ``MEASURE_SIZE`` partners to review still without a proposal, from
    ``first_id`` on, in id order, and their metrics for ``tiers`` measured together."""
    partners = list(
        selectors.partners_to_review()
        .filter(pk__gte=first_id)
        .exclude(pk__in=review.proposals.values("partner_id"))
        .only(*FIELDS)
        .order_by("pk")[:MEASURE_SIZE]
    )
    if not partners:
        return [], None
    return partners, MeasuredStandings(partners, tiers, as_of=review.period_end)
