"""Spiffs: dated accelerators decided by counting qualifying won deals.

A deal qualifies when it was won between the spiff's dates with a closed amount, converted to
the program currency at its close date, of at least the threshold. The partner with the most
qualifying deals (and at least ``min_deals``) wins; a tie is decided by ``tie_policy``:
every tied partner, nobody, or the partner whose deal that reached the winning count closed
first (then the lower deal id). Winners earn ``extra_rate`` % of each of their commission lines
of the period holding the spiff's end date, as separate spiff lines.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from prm.currency.conversion import RateTable
from prm.money import quantize
from prm.periods import FiscalPeriod

from .models import CommissionLine, CommissionRun, Spiff

HUNDRED = Decimal(100)


@dataclass
class SpiffStanding:
    counts: dict[int, int] = field(default_factory=dict)  # partner id -> qualifying deals
    winners: list[int] = field(default_factory=list)
    tied: list[int] = field(default_factory=list)  # partners tied at the top, when a tie


def spiff_standing(spiff: Spiff) -> SpiffStanding:
    from deals.models import DealRegistration

    rows = list(
        DealRegistration.objects.filter(
            status=DealRegistration.Status.WON,
            closed_on__gte=spiff.starts_on,
            closed_on__lte=spiff.ends_on,
            closed_amount__isnull=False,
        ).values_list("pk", "partner_id", "closed_amount", "currency", "closed_on")
    )
    table = RateTable.load({row[3] for row in rows}, until=spiff.ends_on)
    qualifying: dict[int, list[tuple]] = defaultdict(list)
    for pk, partner_id, amount, currency, closed_on in rows:
        if table.convert(amount, currency, closed_on) >= spiff.threshold_amount:
            qualifying[partner_id].append((closed_on, pk))
    standing = SpiffStanding(counts={p: len(deals) for p, deals in qualifying.items()})
    eligible = {p: n for p, n in standing.counts.items() if n >= spiff.min_deals}
    if not eligible:
        return standing
    top = max(eligible.values())
    leaders = sorted(p for p, n in eligible.items() if n == top)
    if len(leaders) == 1:
        standing.winners = leaders
        return standing
    standing.tied = leaders
    if spiff.tie_policy == Spiff.TiePolicy.SHARE:
        standing.winners = leaders
    elif spiff.tie_policy == Spiff.TiePolicy.FIRST_TO_REACH:
        reached = {p: sorted(qualifying[p])[top - 1] for p in leaders}
        standing.winners = [min(leaders, key=lambda p: reached[p])]
    return standing


def apply_spiffs(*, period: FiscalPeriod, run: CommissionRun) -> tuple[int, int]:
    """Spiff lines for the spiffs ending in ``period``; returns (created, updated)."""
    from .calculation import store_lines

    created = updated = 0
    for spiff in Spiff.objects.filter(ends_on__gte=period.start, ends_on__lte=period.end):
        winners = spiff_standing(spiff).winners
        base = CommissionLine.objects.filter(
            period=period.label,
            partner_id__in=winners,
            spiff__isnull=True,
            kind__in=[CommissionLine.Kind.MARGIN, CommissionLine.Kind.RESIDUAL,
                      CommissionLine.Kind.ONE_TIME],
        ).exclude(status=CommissionLine.Status.REVERSED)  # fmt: skip
        desired = {}
        for line in base:
            desired[(line.deal_id, line.rule_id, CommissionLine.Kind.SPIFF)] = CommissionLine(
                partner_id=line.partner_id, deal_id=line.deal_id, period=line.period,
                rule_id=line.rule_id, plan_version_id=line.plan_version_id,
                kind=CommissionLine.Kind.SPIFF, spiff=spiff, currency=line.currency,
                base_amount=line.amount, rate=spiff.extra_rate, multiplier=Decimal(1),
                amount=quantize(line.amount * spiff.extra_rate / HUNDRED, line.currency),
                reason=f"Spiff “{spiff.name}”", hold_until=line.hold_until, run=run,
            )  # fmt: skip
        current = CommissionLine.objects.filter(period=period.label, spiff=spiff)
        result = store_lines(current, desired)
        created, updated = created + result.created, updated + result.updated
    return created, updated
