"""The tier review policy: which tier a partner's measured standing earns, and what to propose.

Certification-weighted by default. Every criterion of a tier carries a weight: its own weight
(set on the tier requirement) times the program's weight for its kind, from
``TierReviewSettings``: certification criteria (certified people, every office or region
covered, specialties) 3, approved reference implementations 2, partner-sourced revenue 1, won
deals 1. A partner qualifies for a tier when

- it meets every certification criterion of the tier (``certifications_required``), and
- the criteria it meets carry at least ``qualifying_percent`` (75 %) of the tier's weight.

So investment in training and certification is the main parameter and revenue is one criterion
among several: a small partner whose people hold every certification a tier asks for reaches it
without the tier's revenue, while a large partner with revenue but without certified people
does not. A criterion nobody measures yet, or that cannot be measured, counts as not met.

The qualified tier is the highest tier the partner qualifies for. Against its current tier:

- higher: propose a promotion to the qualified tier (applied on approval, or at once when
  ``auto_apply_promotions`` is set);
- the same: hold;
- lower (below its tier's requirements): the first ``grace_reviews`` consecutive reviews below
  requirements are a grace period: hold, and warn the partner. The review after that proposes a
  demotion to the qualified tier (never below the entry tier), which always needs approval.

This module is pure: it turns standings (``partners.tier_progress``) into proposals; the review
services read the data and write the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from partners.models import Tier, TierRequirement
from partners.tier_progress import RequirementStanding, TierStanding, requirements_of

from ..models import TierProposal, TierReviewSettings

Metric = TierRequirement.Metric
Action = TierProposal.Action


@dataclass(frozen=True)
class Weights:
    certification: int = 3
    reference: int = 2
    revenue: int = 1
    deals: int = 1
    qualifying_percent: int = 75
    certifications_required: bool = True
    grace_reviews: int = 1

    @classmethod
    def from_settings(cls, settings: TierReviewSettings) -> Weights:
        return cls(
            certification=settings.certification_weight,
            reference=settings.reference_weight,
            revenue=settings.revenue_weight,
            deals=settings.deals_weight,
            qualifying_percent=settings.qualifying_percent,
            certifications_required=settings.certifications_required,
            grace_reviews=settings.grace_reviews,
        )

    def of(self, requirement: TierRequirement) -> int:
        if requirement.is_certification_metric:
            kind = self.certification
        elif requirement.metric == Metric.REFERENCE_IMPLEMENTATIONS:
            kind = self.reference
        elif requirement.metric == Metric.SOURCED_REVENUE:
            kind = self.revenue
        else:
            kind = self.deals
        return requirement.weight * kind


@dataclass(frozen=True)
class Qualification:
    """A partner measured against one tier under the policy."""

    standing: TierStanding
    score: Decimal  # weighted share of criteria met, 0–100
    qualifies: bool
    missing_certifications: list[RequirementStanding]

    @property
    def tier(self) -> Tier:
        return self.standing.tier


def qualify(standing: TierStanding, weights: Weights) -> Qualification:
    total = met = 0
    missing_certifications = []
    for row in standing.requirements:
        weight = weights.of(row.requirement)
        total += weight
        if row.met:
            met += weight
        elif row.requirement.is_certification_metric:
            missing_certifications.append(row)
    score = Decimal(100) if total == 0 else (Decimal(100) * met / total).quantize(Decimal("0.1"))
    qualifies = score >= weights.qualifying_percent and not (
        weights.certifications_required and missing_certifications
    )
    return Qualification(standing, score, qualifies, missing_certifications)


@dataclass(frozen=True)
class Pattern:
    """What the policy makes of one pattern of met criteria across the ranked tiers: per tier
    its score, whether it qualifies, which of its rows are missing certifications, and the
    snapshot's verdict; and where in the rows the snapshot finds each metric's value."""

    scores: tuple[Decimal, ...]
    qualifies: tuple[bool, ...]
    missing: tuple[tuple[int, ...], ...]
    verdicts: dict[str, dict]
    metric_rows: tuple[tuple[str, int, int], ...]
    qualified: int | None  # the index of the highest tier it qualifies for
    # Reasons that depend only on the pattern, worded once: (template, tier index) -> text.
    worded: dict[tuple[str, int], str] = field(default_factory=dict, compare=False)


class Ladder(NamedTuple):
    ranked: list[Tier]  # by rank
    ids: list[int]  # theirs, in that order
    place: dict[int, int]  # each tier's place in that order, by id


class Verdicts:
    """``qualify`` and the snapshot's verdicts for each pattern of met criteria across the
    tiers, worked out once: a review measures thousands of partners against the same tiers, and
    most share a pattern. Holds its tiers' requirements fixed: one per review run."""

    def __init__(self, weights: Weights):
        self.weights = weights
        self._known: dict[tuple, Pattern] = {}
        self._ladder: tuple[list[Tier], Ladder] | None = None

    def ladder(self, tiers: list[Tier]) -> Ladder:
        """``tiers`` by rank, with each tier's place in that order by id: worked out again
        only for another list of tiers (a review passes the same list for every partner)."""
        if self._ladder is None or self._ladder[0] is not tiers:
            ranked = sorted(tiers, key=lambda t: t.rank)
            ids = [t.pk for t in ranked]
            self._ladder = (tiers, Ladder(ranked, ids, {pk: i for i, pk in enumerate(ids)}))
        return self._ladder[1]

    def of(self, ranked: list[Tier], standings: list[TierStanding]) -> Pattern:
        # The rows of each tier are its requirements in a fixed order: the tiers and the met
        # flags of all their rows, in order, tell the pattern.
        key = (id(ranked), *[row.met for standing in standings for row in standing.requirements])
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = self._work_out(ranked, standings)
        return known

    def _work_out(self, ranked: list[Tier], standings: list[TierStanding]) -> Pattern:
        scores, qualifies, missing, verdicts = [], [], [], {}
        metric_rows: dict[str, tuple[str, int, int]] = {}
        for i, (tier, standing) in enumerate(zip(ranked, standings, strict=True)):
            rows = standing.requirements
            q = qualify(standing, self.weights)
            scores.append(q.score)
            qualifies.append(q.qualifies)
            missing.append(
                tuple(
                    j
                    for j, row in enumerate(rows)
                    if not row.met and row.requirement.is_certification_metric
                )
            )
            verdicts[tier.name] = {
                "score": str(q.score),
                "qualifies": q.qualifies,
                "unmet": [row.metric for row in rows if not row.met],
            }
            for j, row in enumerate(rows):
                metric_rows.setdefault(row.metric, (row.metric, i, j))
        qualified = next((i for i in reversed(range(len(ranked))) if qualifies[i]), None)
        return Pattern(
            tuple(scores),
            tuple(qualifies),
            tuple(missing),
            verdicts,
            tuple(metric_rows.values()),
            qualified,
        )


@dataclass(frozen=True)
class Wording:
    """The reasons' templates in the active language. Translating costs a lookup of the
    active language each time, and a review words thousands of proposals: it translates them
    once (``Wording.current()``) and passes them to ``propose``."""

    promote: str
    no_tier: str
    still_meets: str
    below: str
    all_certifications: str
    entry_tier: str
    grace: str
    demote: str

    @classmethod
    def current(cls) -> Wording:
        return cls(
            promote=_(
                "Meets %(tier)s: %(met)s of %(total)s criteria, weighted %(score)s%% "
                "(needs %(need)s%%)."
            ),
            no_tier=_("Meets the requirements of no tier yet."),
            still_meets=_(
                "Still meets %(tier)s: %(met)s of %(total)s criteria, weighted %(score)s%%."
            ),
            below=_(
                "Below %(tier)s requirements: weighted %(score)s%% (needs %(need)s%%%(certs)s). "
                "Missing: %(missing)s."
            ),
            all_certifications=_(" and every certification criterion"),
            entry_tier=_("Already in the entry tier: there is no tier below."),
            grace=_(
                "Grace period: review %(n)s of %(grace)s below requirements; the partner is "
                "warned and keeps %(tier)s for now."
            ),
            demote=_(
                "Below %(tier)s requirements for %(n)s consecutive reviews: demotion to %(to)s."
            ),
        )


@dataclass
class Draft:
    """What the review proposes for one partner (the ``TierProposal`` fields it decides)."""

    action: str
    proposed_tier: Tier | None
    qualified_tier: Tier | None
    below_requirements: bool
    misses: int
    warned: bool
    # The weighted score against the tier the proposal judges: the tier it promotes to, else
    # the current one (so a partner below its tier shows how far below, as its reason says).
    score: Decimal
    reasons: list[str] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)


def propose(
    *,
    current: Tier | None,
    standings: dict[int, TierStanding],
    tiers: list[Tier],
    previous_misses: int,
    weights: Weights,
    wording: Wording | None = None,
    verdicts: Verdicts | None = None,
) -> Draft:
    """The proposal for a partner now in ``current``, measured against every tier of
    ``tiers`` (``standings`` keyed by tier id). ``previous_misses``: consecutive reviews below
    ``current``'s requirements before this one (from the last review, same tier). ``wording``:
    the reasons' templates, when translated already; ``verdicts``: the review's, to share."""
    texts = wording or Wording.current()
    verdicts = verdicts or Verdicts(weights)
    ranked, ranked_ids, place = verdicts.ladder(tiers)
    measured = [standings[pk] for pk in ranked_ids]
    pattern = verdicts.of(ranked, measured)

    def qualification(i: int) -> Qualification:
        rows = measured[i].requirements
        return Qualification(
            measured[i],
            pattern.scores[i],
            pattern.qualifies[i],
            [rows[j] for j in pattern.missing[i]],
        )

    def worded(template: str, i: int) -> str:
        """``template`` worded with the numbers of tier ``i``: the same for the pattern."""
        text = pattern.worded.get((template, i))
        if text is None:
            text = pattern.worded[template, i] = template % _numbers(qualification(i), weights)
        return text

    q_index = pattern.qualified
    qualified = None if q_index is None else ranked[q_index]
    current_rank = current.rank if current else -1
    qualified_rank = qualified.rank if qualified else -1
    shown = q_index if q_index is not None else place[current.pk] if current else 0
    score = pattern.scores[shown] if ranked else Decimal(0)
    snapshot = {
        "metrics": {
            metric: measured[i].requirements[j].value_text for metric, i, j in pattern.metric_rows
        },
        "tiers": pattern.verdicts,
    }

    if q_index is not None and qualified_rank > current_rank:
        reasons = [worded(texts.promote, q_index)]
        return Draft(
            Action.PROMOTE, qualified, qualified, False, 0, False, score, reasons, snapshot
        )
    if current is None or qualified_rank == current_rank:
        if current is None:
            reasons = [texts.no_tier]
        else:
            reasons = [worded(texts.still_meets, place[current.pk])]
        return Draft(Action.HOLD, current, qualified, False, 0, False, score, reasons, snapshot)

    # Below the current tier's requirements.
    short = qualification(place[current.pk])
    score = short.score
    misses = previous_misses + 1
    reasons = [_below_text(short, weights, texts)]
    floor = qualified or ranked[0]
    if floor.pk == current.pk:
        reasons.append(texts.entry_tier)
        return Draft(Action.HOLD, current, qualified, True, misses, False, score, reasons, snapshot)
    if misses <= weights.grace_reviews:
        reasons.append(
            texts.grace % {"n": misses, "grace": weights.grace_reviews, "tier": current.name}
        )
        return Draft(Action.HOLD, current, qualified, True, misses, True, score, reasons, snapshot)
    reasons.append(texts.demote % {"tier": current.name, "n": misses, "to": floor.name})
    return Draft(Action.DEMOTE, floor, qualified, True, misses, False, score, reasons, snapshot)


def _numbers(q: Qualification, weights: Weights) -> dict:
    return {
        "tier": q.tier.name,
        "met": q.standing.met_count,
        "total": len(q.standing.requirements),
        "score": q.score,
        "need": weights.qualifying_percent,
    }


def _below_text(q: Qualification, weights: Weights, texts: Wording) -> str:
    missing = "; ".join(m for r in q.standing.unmet for m in r.missing)
    return texts.below % {
        **_numbers(q, weights),
        "certs": texts.all_certifications if weights.certifications_required else "",
        "missing": missing or "—",
    }


def program_snapshot(tiers: list[Tier]) -> dict:
    """The tiers and their thresholds, kept once with the review."""
    return {
        tier.name: {
            "rank": tier.rank,
            "thresholds": {
                r.metric: format(Decimal(r.threshold).normalize(), "f")
                for r in requirements_of(tier)
            },
        }
        for tier in sorted(tiers, key=lambda t: t.rank)
    }
