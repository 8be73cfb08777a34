"""The tier review's partners loaded and measured ahead of the chunks that write their
proposals: the set-based metrics cost about the same for the whole program as for one chunk, so
the review measures up to ``MEASURE_SIZE`` partners with one query per metric."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from partners.models import Partner, Tier
from partners.tier_progress import TierStanding, standings_many
from prm.id_sets import id_set

from ..models import TierReview
from . import selectors

MEASURE_SIZE = 10_000
# What the review and the set-based measures read of a partner (the region measure: the regions
# it serves, else its country's): 10,000 partners load in a fraction of the time of the whole
# rows. A measure reading another field would cost a query per partner, which
# tests/scorecards/test_review_services.py counts.
FIELDS = ("pk", "tier_id", "regions_served", "hq_country")


@dataclass
class Ahead:
    """Partners loaded and measured ahead of the chunks that write their proposals."""

    partners: dict[int, Partner] = field(default_factory=dict)
    standings: dict[int, dict[int, TierStanding]] = field(default_factory=dict)
    through: int | None = 0  # the last partner id measured; None: every one left

    def covers(self, partner_id: int) -> bool:
        return self.through is None or partner_id <= self.through

    def partners_of(self, rows: Sequence[tuple[int, int | None]]) -> list[Partner]:
        """The chunk's partners (``(id, tier id)`` rows) as loaded ahead; any not loaded then,
        or whose tier changed since, loaded again."""
        stale = [
            pk for pk, tier_id in rows if getattr(self.partners.get(pk), "tier_id", -1) != tier_id
        ]
        if stale:
            loaded = Partner.objects.only(*FIELDS).filter(pk__in=id_set(stale))
            self.partners.update((p.pk, p) for p in loaded)
        return [self.partners[pk] for pk, _tier_id in rows if pk in self.partners]


def measure_ahead(review: TierReview, first_id: int, tiers: list[Tier]) -> Ahead:
    """The next ``MEASURE_SIZE`` partners still without a proposal, from ``first_id`` on,
    loaded and measured together."""
    partners = list(
        selectors.partners_to_review()
        .filter(pk__gte=first_id)
        .exclude(pk__in=review.proposals.values("partner_id"))
        .only(*FIELDS)
        .order_by("pk")[:MEASURE_SIZE]
    )
    return Ahead(
        partners={p.pk: p for p in partners},
        standings=standings_many(partners, tiers, as_of=review.period_end),
        through=partners[-1].pk if len(partners) == MEASURE_SIZE else None,
    )
