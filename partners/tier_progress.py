"""Where a partner stands against the requirements of a tier.

Each ``TierRequirement.Metric`` is measured by a provider that the app owning the data registers
at start-up (``register_metric``): enablement measures certifications and reference
implementations, the deals app revenue and won deals. This module only knows the registry, so
``partners`` never imports the apps that depend on it.

A provider is ``fn(partner, *, as_of=None)`` and returns either

- a ``Decimal`` (a count or an amount, compared with the threshold), or
- a ``dict`` of per-unit counts for the "in every office / region" metrics:
  ``{"scope": "office" | "region", "counts": {unit name: Decimal, ...}}``. The requirement is met
  when every unit reaches the threshold; the units below it are named as missing.

A metric without a provider is shown as "not measured yet": not met, never an error.

A provider may also register a set-based measure, ``many(partners, *, as_of=None)``, measuring a
whole list of partners with one grouped query (or a few) and returning ``{partner id: value}``
with the same values the per-partner call gives; a partner that cannot be measured (a missing
exchange rate, say) maps to the ``DomainError`` the per-partner call would raise. Jobs that
measure thousands of partners (the quarterly tier review) use ``measure_many`` and
``standings_many``; single pages keep the per-partner call. A set-based measure reads of each
partner only what ``MeasuredPartner`` names, so a job may pass rows of those fields rather than
whole partners. A metric registered without a set-based measure falls back to one call per
partner (loading the partners first when given rows).

Metrics read from the same rows (the certification counts all read the person certifications
valid on a day) may also share a combined measure, ``together(metrics, partners, *, as_of=None)``,
measuring any of them in one pass and returning ``{metric: {partner id: value}}`` with the values
each metric's set-based measure gives. ``measure_many_metrics`` (used by ``standings_many``)
calls it once for all the metrics asked of it, rather than once per metric.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, partial
from typing import Protocol, cast

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from prm.exceptions import DomainError
from prm.money import format_money
from prm.side_by_side import side_by_side

from .models import Partner, Tier, TierRequirement
from .selectors import next_tier

MetricValue = Decimal | dict
MetricProvider = Callable[..., MetricValue]
# ``fn(partners, *, as_of=None) -> {partner id: MetricValue | DomainError}``
ManyProvider = Callable[..., Mapping[int, "MetricValue | DomainError"]]

# ``fn(metrics, partners, *, as_of=None) -> {metric: {partner id: MetricValue | DomainError}}``
TogetherProvider = Callable[..., dict[str, dict[int, "MetricValue | DomainError"]]]


class MeasuredPartner(Protocol):
    """What a set-based measure reads of a partner: a ``Partner``, or a row of these fields
    (the tier review loads no more of 10,000 partners)."""

    @property
    def pk(self) -> int: ...

    @property
    def regions_served(self) -> list[str]: ...

    @property
    def hq_country(self) -> str: ...


_PROVIDERS: dict[str, MetricProvider] = {}
_MANY: dict[str, ManyProvider] = {}
_TOGETHER: dict[str, TogetherProvider] = {}


def register_metric(
    metric: str,
    fn: MetricProvider,
    *,
    many: ManyProvider | None = None,
    together: TogetherProvider | None = None,
) -> None:
    """Register (or replace) the provider measuring ``metric``, with its set-based measure and
    the combined measure it shares with other metrics, if any."""
    if metric not in TierRequirement.Metric.values:
        raise ValueError(f"Unknown tier metric {metric!r}.")
    _PROVIDERS[metric] = fn
    _MANY.pop(metric, None)
    _TOGETHER.pop(metric, None)
    if many is not None:
        _MANY[metric] = many
    if together is not None:
        _TOGETHER[metric] = together


def provider_for(metric: str) -> MetricProvider | None:
    return _PROVIDERS.get(metric)


def many_provider_for(metric: str) -> ManyProvider | None:
    return _MANY.get(metric)


def measure_many(
    metric: str, partners: Sequence[MeasuredPartner], *, as_of: dt.date | None = None
) -> Mapping[int, MetricValue | DomainError] | None:
    """``metric`` for every partner of ``partners`` keyed by id; None when nobody measures it.
    Uses the set-based measure when registered, else the per-partner one for each partner."""
    provider = provider_for(metric)
    if provider is None:
        return None
    if not partners:
        return {}
    many = many_provider_for(metric)
    if many is not None:
        return many(partners, as_of=as_of)
    results: dict[int, MetricValue | DomainError] = {}
    for partner in _as_partners(partners):
        try:
            results[partner.pk] = provider(partner, as_of=as_of)
        except DomainError as exc:
            results[partner.pk] = exc
    return results


def _as_partners(partners: Sequence[MeasuredPartner]) -> Sequence[Partner]:
    """The partners themselves, for a per-partner measure that may read any of their fields."""
    if all(isinstance(partner, Partner) for partner in partners):
        return cast(Sequence[Partner], partners)
    loaded = Partner.objects.in_bulk([partner.pk for partner in partners])
    return [loaded[partner.pk] for partner in partners]


def measure_many_metrics(
    metrics: Iterable[str], partners: Sequence[MeasuredPartner], *, as_of: dt.date | None = None
) -> dict[str, Mapping[int, MetricValue | DomainError] | None]:
    """``measure_many`` of each of ``metrics``, keyed by metric; the metrics sharing a combined
    measure are measured together, in one call, when more than one of them is asked. The calls
    are independent reads: they run side by side where the database allows it
    (``prm.side_by_side``)."""
    asked = sorted(set(metrics))
    groups: dict[TogetherProvider, list[str]] = {}
    for metric in asked:
        together = _TOGETHER.get(metric)
        if together is not None and partners:
            groups.setdefault(together, []).append(metric)
    calls: list[tuple[list[str], Callable[[], Mapping]]] = []
    for together, group in groups.items():
        if len(group) > 1:
            calls.append((group, partial(together, group, partners, as_of=as_of)))
    grouped = {metric for group, _call in calls for metric in group}
    for metric in asked:
        if metric not in grouped:
            calls.append(([metric], partial(_measured_alone, metric, partners, as_of=as_of)))
    measured: dict[str, Mapping[int, MetricValue | DomainError] | None] = {}
    for (group, _call), found in zip(calls, side_by_side([c for _g, c in calls]), strict=True):
        measured.update((metric, found[metric]) for metric in group)
    return measured


def _measured_alone(metric: str, partners: Sequence[MeasuredPartner], *, as_of: dt.date | None):
    return {metric: measure_many(metric, partners, as_of=as_of)}


@dataclass(frozen=True)
class RequirementStanding:
    """One requirement of a tier measured for one partner."""

    requirement: TierRequirement
    measured: bool
    met: bool
    value: Decimal | None
    threshold: Decimal
    # What is missing, in words; None: a measured number's shortfall, worded when asked (a
    # review measures thousands of partners against every tier and words only what it shows).
    worded_missing: list[str] | None = None
    units_short: list[str] = field(default_factory=list)

    @cached_property  # shared by the partners with the same value
    def missing(self) -> list[str]:
        if self.worded_missing is not None:
            return self.worded_missing
        if self.met or self.value is None:
            return []
        return [_shortfall_text(self.requirement.metric, self.threshold - self.value)]

    @cached_property  # shared by the partners with the same value
    def value_text(self) -> str | None:
        """The value in plain digits (``12.5``, ``3``; no exponent), as snapshots record it."""
        return None if self.value is None else format(self.value.normalize(), "f")

    @property
    def metric(self) -> str:
        return self.requirement.metric

    @property
    def label(self) -> str:
        return str(self.requirement.get_metric_display())

    @property
    def percent(self) -> int:
        """Progress toward the threshold, 0–100, for a meter."""
        if not self.measured or self.value is None:
            return 0
        if self.threshold <= 0:
            return 100
        return max(0, min(100, int(self.value * 100 / self.threshold)))


@dataclass(frozen=True)
class TierStanding:
    tier: Tier
    requirements: list[RequirementStanding]

    @property
    def met(self) -> bool:
        return all(r.met for r in self.requirements)

    @property
    def met_count(self) -> int:
        return sum(r.met for r in self.requirements)

    @property
    def unmet(self) -> list[RequirementStanding]:
        return [r for r in self.requirements if not r.met]


@dataclass(frozen=True)
class PartnerStanding:
    partner: Partner
    current: TierStanding | None
    next: TierStanding | None


def requirements_of(tier: Tier) -> list[TierRequirement]:
    """Certification criteria first: the program tiers on commitment before volume."""
    return sorted(
        tier.requirements.all(),
        key=lambda r: (not r.is_certification_metric, r.position, r.pk),
    )


def evaluate_requirement(
    partner: Partner, requirement: TierRequirement, *, as_of: dt.date | None = None
) -> RequirementStanding:
    provider = provider_for(requirement.metric)
    if provider is None:
        return requirement_standing(requirement, None)
    try:
        result: MetricValue | DomainError = provider(partner, as_of=as_of)
    except DomainError as exc:
        result = exc
    return requirement_standing(requirement, result)


def requirement_standing(
    requirement: TierRequirement, result: MetricValue | DomainError | None
) -> RequirementStanding:
    """The standing for one measured value (``None``: nobody measures the metric)."""
    threshold = Decimal(requirement.threshold)
    if result is None:
        return RequirementStanding(
            requirement,
            measured=False,
            met=False,
            value=None,
            threshold=threshold,
            worded_missing=[_("not measured yet")],
        )
    if isinstance(result, DomainError):
        # A metric that cannot be measured (say, a missing exchange rate) is shown as not
        # measured, with the reason, rather than failing the page or counting as zero.
        return RequirementStanding(
            requirement, measured=False, met=False, value=None, threshold=threshold,
            worded_missing=[result.message],
        )  # fmt: skip
    if isinstance(result, dict):
        return _per_unit_standing(requirement, threshold, result)
    value = Decimal(result)
    return RequirementStanding(requirement, True, value >= threshold, value, threshold)


def evaluate_tier(partner: Partner, tier: Tier, *, as_of: dt.date | None = None) -> TierStanding:
    """Every requirement of ``tier`` for ``partner``, certification criteria first."""
    return TierStanding(
        tier,
        [
            evaluate_requirement(partner, requirement, as_of=as_of)
            for requirement in requirements_of(tier)
        ],
    )


def standing(partner: Partner, *, as_of: dt.date | None = None) -> PartnerStanding:
    """The partner's current tier and the one above it, each with every requirement."""
    current = evaluate_tier(partner, partner.tier, as_of=as_of) if partner.tier else None
    upcoming = next_tier(partner.tier)
    return PartnerStanding(
        partner,
        current,
        evaluate_tier(partner, upcoming, as_of=as_of) if upcoming else None,
    )


def standings_many(
    partners: Sequence[Partner], tiers: Iterable[Tier], *, as_of: dt.date | None = None
) -> dict[int, dict[int, TierStanding]]:
    """Every partner's standing against each of ``tiers``: ``{partner id: {tier id: standing}}``.

    Each metric any of the tiers asks for is measured once for the whole set
    (``measure_many_metrics``), so the number of queries depends on the metrics, not on the
    number of partners."""
    return MeasuredStandings(partners, tiers, as_of=as_of).of(partners)


class MeasuredStandings:
    """The metrics of many partners measured together (``standings_many``), worded into their
    standings a few partners at a time (``of``): a job working through the partners in chunks
    words each chunk's standings when it gets to it."""

    def __init__(
        self,
        partners: Sequence[MeasuredPartner],
        tiers: Iterable[Tier],
        *,
        as_of: dt.date | None = None,
    ) -> None:
        tier_list = list(tiers)
        requirements = {tier.pk: requirements_of(tier) for tier in tier_list}
        metrics = {r.metric for rows in requirements.values() for r in rows}
        self._measured = measure_many_metrics(metrics, partners, as_of=as_of)
        # A standing depends only on the requirement and the value, and many partners share a
        # value (a few certified people, none): each (requirement, value) is worded once.
        self._worded: dict[tuple, RequirementStanding] = {}
        self._ladder = [
            (tier, tier.pk, [(r, r.pk, r.metric) for r in requirements[tier.pk]])
            for tier in tier_list
        ]

    def of(self, partners: Iterable[MeasuredPartner]) -> dict[int, dict[int, TierStanding]]:
        """The standings of ``partners``, all of them among those measured."""
        measured, worded = self._measured, self._worded
        result: dict[int, dict[int, TierStanding]] = {}
        for partner in partners:
            pk = partner.pk
            # Each metric's value for this partner, with its key (None: not to be cached).
            values = {
                metric: (None, (None,)) if found is None else _keyed(found[pk])
                for metric, found in measured.items()
            }
            per_tier = {}
            for tier, tier_pk, rows_of_tier in self._ladder:
                rows = []
                for requirement, requirement_pk, metric in rows_of_tier:
                    value, value_key = values[metric]
                    if value_key is None:
                        rows.append(requirement_standing(requirement, value))
                        continue
                    key = (requirement_pk, value_key)
                    row = worded.get(key)
                    if row is None:
                        row = worded[key] = requirement_standing(requirement, value)
                    rows.append(row)
                per_tier[tier_pk] = TierStanding(tier, rows)
            result[pk] = per_tier
        return result


def _keyed(value) -> tuple:
    """A measured value with the key its standing is cached under (None: not cached)."""
    if isinstance(value, Decimal):
        return value, ("n", value)
    if isinstance(value, dict):
        counts = tuple((name, Decimal(n)) for name, n in value.get("counts", {}).items())
        return value, ("u", value.get("scope", "office"), counts)
    return value, None


def _per_unit_standing(
    requirement: TierRequirement, threshold: Decimal, result: dict
) -> RequirementStanding:
    counts: dict[str, Decimal] = {name: Decimal(n) for name, n in result["counts"].items()}
    scope = result.get("scope", "office")
    short = [name for name, n in counts.items() if n < threshold]
    value = min(counts.values(), default=Decimal(0))
    met = bool(counts) and not short
    missing = [_unit_text(scope, name, counts[name], threshold) for name in short]
    if not counts:
        missing = [_("no office or region to measure")]
    return RequirementStanding(requirement, True, met, value, threshold, missing, short)


def _unit_text(scope: str, name: str, count: Decimal, threshold: Decimal) -> str:
    people, needed = int(count), int(threshold)
    if scope == "region":
        if people == 0:
            return _("no certified person serving %(unit)s") % {"unit": name}
        return _("%(count)s of %(threshold)s certified people serving %(unit)s") % {
            "count": people,
            "threshold": needed,
            "unit": name,
        }
    if people == 0:
        return _("no certified person in office %(unit)s") % {"unit": name}
    return _("%(count)s of %(threshold)s certified people in office %(unit)s") % {
        "count": people,
        "threshold": needed,
        "unit": name,
    }


def _shortfall_text(metric: str, gap: Decimal) -> str:
    Metric = TierRequirement.Metric
    n = int(gap) if gap == gap.to_integral_value() else gap
    # ngettext gets the gap as it is: an int, or the Decimal of a fractional gap, which the
    # plural rules take as any number; its stubs say float.
    count = cast(float, n)
    if metric == Metric.SOURCED_REVENUE:
        return _("%(n)s more partner-sourced revenue") % {"n": format_money(gap)}
    # Only the noun this metric needs is translated: a review builds thousands of these.
    nouns: dict[str, Callable[[], str]] = {
        Metric.CERTIFIED_SALES: lambda: ngettext(
            "%(n)s more certified sales person", "%(n)s more certified sales people", count
        ),
        Metric.CERTIFIED_TECHNICAL: lambda: ngettext(
            "%(n)s more certified technical person", "%(n)s more certified technical people", count
        ),
        Metric.CERTIFIED_DEVELOPERS: lambda: ngettext(
            "%(n)s more certified developer", "%(n)s more certified developers", count
        ),
        Metric.SPECIALTY_CERTIFICATIONS: lambda: ngettext(
            "%(n)s more specialty certification", "%(n)s more specialty certifications", count
        ),
        Metric.REFERENCE_IMPLEMENTATIONS: lambda: ngettext(
            "%(n)s more approved reference implementation",
            "%(n)s more approved reference implementations",
            count,
        ),
        Metric.WON_DEALS: lambda: ngettext("%(n)s more won deal", "%(n)s more won deals", count),
    }
    noun = nouns.get(metric)
    template = noun() if noun is not None else _("%(n)s more")
    return template % {"n": n}
