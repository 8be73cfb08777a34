"""The commission calculation for one period, set-based and re-runnable.

The lines of period P are a function of the deals as they are now and of the lines of the
periods before P, so running P again (or after a crash half way) produces the same lines:

- a deal closed (won) in P earns its winning rule's amount in P; a residual commission also
  earns its per-period amount in each of the next ``periods - 1`` quarters;
- for every (deal, partner, rule) the amount owed up to P is compared with the lines of the
  earlier periods (reversed lines included: reversing is a decision not to pay); what the
  normal schedule does not explain becomes an adjustment (positive) or a clawback (negative)
  line in P: a refund or re-pricing, a deal no longer won, a deal reassigned to another partner.

Deals are processed in chunks of ids, each chunk in its own transaction (progress is saved
after each one; a worker calculates ``PRM_JOB_CONNECTIONS`` chunks at once, each on a connection
of its own), with a fixed number of queries, never a query per deal:

- on PostgreSQL one statement (``setbased``) matches the rules, prices and inserts the regular
  lines of the chunk in the database and returns the few deals whose earlier or current lines
  the schedule does not explain (refunds, re-pricing, lost or reassigned deals, a rule or
  override changed under a pending line); only those go through the Python below;
- elsewhere (SQLite, whose decimals are floats) the Python below handles every deal: deals,
  earlier sums, current lines, overrides, one bulk insert.

Both give the same lines (tests compare them line by line on PostgreSQL). Lines are inserted
with ``ON CONFLICT DO NOTHING`` (``ignore_conflicts``) against the unique (deal, period, rule,
kind) constraint; a line of P that is still pending is brought up to date (or removed when no
longer owed); held, approved and paid lines are never edited, their corrections land in a later
period.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db.models import F, Sum

from partners.models import Tier
from prm.bulk import atomic_bulk
from prm.side_by_side import even_chunks, in_parallel

from . import setbased
from .models import CommissionLine, CommissionOverride, CommissionRule, CommissionRun
from .periods import commission_period, period_of, quarter_index, shift
from .rules import DealFacts, RuleBook, TermsBook, TierBook, earning

Kind = CommissionLine.Kind
Status = CommissionLine.Status
ZERO = Decimal(0)
CHUNK_SIZE = 2000  # deals per chunk in Python (at most: chunks are evened out)
SET_BASED_CHUNK_SIZE = 25_000  # deals per statement on PostgreSQL (at most)
BASE_KINDS = (Kind.MARGIN, Kind.RESIDUAL, Kind.ONE_TIME)


def hold_days() -> int:
    return int(getattr(settings, "PRM_COMMISSION_HOLD_DAYS", 30))


@dataclass
class ChunkResult:
    created: int = 0
    updated: int = 0


class PeriodCalculation:
    """Everything a run needs that does not depend on the chunk, loaded once."""

    def __init__(self, run: CommissionRun):
        from deals.models import DealRegistration

        self.run = run
        self.period = commission_period(run.period)
        self.label = self.period.label
        self.index = quarter_index(self.period)
        self.book = RuleBook.load()
        self.rules = {
            rule.pk: rule for rules in self.book.rules_by_version.values() for rule in rules
        }
        self.multipliers = dict(Tier.objects.values_list("pk", "commission_multiplier"))
        self.deals = DealRegistration.objects
        self.won = DealRegistration.Status.WON
        self._periods: dict[dt.date, int] = {}
        self.hold = dt.timedelta(days=hold_days())
        self.set_based = setbased.available()

    # --- which deals ------------------------------------------------------------------------

    def deal_ids(self) -> list[int]:
        longest = max(
            (
                r.periods
                for r in self.rules.values()
                if r.kind == CommissionRule.Kind.RESIDUAL_COMMISSION
            ),
            default=1,
        )
        earliest = shift(self.period, -(longest - 1)).start
        won = self.deals.filter(
            status=self.won, closed_on__gte=earliest, closed_on__lte=self.period.end
        ).values_list("pk", flat=True)
        earlier = CommissionLine.objects.filter(period__lt=self.label).values_list(
            "deal_id", flat=True
        )
        return sorted(set(won.order_by().union(earlier.order_by(), all=True)))

    # --- one chunk --------------------------------------------------------------------------

    def calculate_chunk(self, ids: list[int]) -> ChunkResult:
        """The lines of the deals of ``ids``: on PostgreSQL one statement inserts the regular
        lines and names the deals that need more (corrections), which go through Python."""
        if not self.set_based:
            return self.calculate_in_python(ids)
        created, flagged = setbased.insert_regular_lines(self, ids)
        result = self.calculate_in_python(flagged) if flagged else ChunkResult()
        result.created += created
        return result

    def calculate_in_python(self, ids: list[int]) -> ChunkResult:
        deals = list(
            self.deals.filter(pk__in=ids).values(
                "pk", "partner_id", "partner__business_model", "partner__compensation_preference",
                "partner__tier_id", "engagement", "sourcing", "product_lines", "closed_products",
                "closed_on", "closed_amount", "currency", "status",
            )
        )  # fmt: skip
        tiers = TierBook(
            {d["partner_id"] for d in deals},
            {d["partner_id"]: d["partner__tier_id"] for d in deals},
        )
        # The partner's terms (business model, compensation) on the close date.
        terms = TermsBook(
            {
                d["partner_id"]: (
                    d["partner__business_model"],
                    d["partner__compensation_preference"],
                )
                for d in deals
            }
        )
        for deal in deals:
            deal["partner__business_model"], deal["partner__compensation_preference"] = (
                terms.terms_on(deal["partner_id"], deal["closed_on"])
            )
        overrides = {o.deal_id: o for o in CommissionOverride.objects.filter(deal_id__in=ids)}
        prior = self._prior_sums(ids)
        desired: dict[tuple, CommissionLine] = {}
        for deal in deals:
            for line in self._lines_for(deal, tiers, overrides.get(deal["pk"]), prior[deal["pk"]]):
                desired[(line.deal_id, line.rule_id, line.kind)] = line
        return self._store(ids, desired)

    def _prior_sums(self, ids) -> dict[int, dict[tuple, Decimal]]:
        sums: dict[int, dict[tuple, Decimal]] = defaultdict(dict)
        rows = (
            CommissionLine.objects.filter(
                deal_id__in=ids, period__lt=self.label, spiff__isnull=True
            )
            .values_list("deal_id", "partner_id", "rule_id", "currency")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for deal_id, partner_id, rule_id, currency, total in rows:
            sums[deal_id][(partner_id, rule_id, currency)] = total
        return sums

    def _quarter_of(self, day: dt.date) -> int:
        if day not in self._periods:
            self._periods[day] = quarter_index(period_of(day))
        return self._periods[day]

    def _entitlement(self, deal, tiers, override):
        """(key, owed up to this period, owed by the normal schedule in this period, earning)
        or None when the deal earns nothing now."""
        if deal["status"] != self.won or deal["closed_amount"] is None or deal["closed_on"] is None:
            return None
        if deal["closed_on"] > self.period.end:
            return None
        facts = DealFacts(
            partner_id=deal["partner_id"],
            business_model=deal["partner__business_model"],
            compensation=deal["partner__compensation_preference"],
            tier_id=tiers.tier_on(deal["partner_id"], deal["closed_on"]),
            engagement=deal["engagement"],
            sourcing=deal["sourcing"],
            product_lines=tuple(
                str(p) for p in (deal["product_lines"] or []) + (deal["closed_products"] or [])
            ),
            closed_on=deal["closed_on"],
            amount=deal["closed_amount"],
            currency=deal["currency"],
        )
        rule = self.book.winning_rule(facts)
        if rule is None:
            return None
        multiplier = (
            Decimal(1) if facts.tier_id is None else self.multipliers.get(facts.tier_id, Decimal(1))
        )
        if override is not None and override.rule_id != rule.pk:
            override = None
        paid = earning(rule, facts, multiplier=multiplier, override=override)
        elapsed = self.index - self._quarter_of(facts.closed_on)  # 0 in the closing quarter
        if rule.kind == CommissionRule.Kind.RESIDUAL_COMMISSION:
            owed = paid.amount * min(elapsed + 1, rule.periods)
            regular = paid.amount if elapsed < rule.periods else ZERO
        else:
            owed, regular = paid.amount, (paid.amount if elapsed == 0 else ZERO)
        return (deal["partner_id"], rule.pk, paid.currency), owed, regular, paid

    def _lines_for(self, deal, tiers, override, prior):
        current = self._entitlement(deal, tiers, override)
        keys = set(prior)
        if current is not None:
            keys.add(current[0])
        for key in sorted(keys):
            partner_id, rule_id, currency = key
            rule = self.rules[rule_id]
            owed, regular, paid = ZERO, ZERO, None
            if current is not None and current[0] == key:
                _, owed, regular, paid = current
            correction = owed - prior.get(key, ZERO) - regular
            common = {"partner_id": partner_id, "deal_id": deal["pk"], "period": self.label,
                      "rule_id": rule_id, "plan_version_id": rule.version_id, "currency": currency,
                      "run_id": self.run.pk}  # fmt: skip
            hold = self.hold
            if regular:
                # Only the current entitlement, which sets ``paid``, has a regular amount.
                assert paid is not None
                yield CommissionLine(
                    **common, kind=rule.kind, base_amount=paid.base, rate=paid.rate,
                    multiplier=paid.multiplier, amount=regular,
                    hold_until=max(deal["closed_on"], self.period.start) + hold,
                )  # fmt: skip
            if correction:
                recorded = prior.get(key, ZERO)
                yield CommissionLine(
                    **common, kind=Kind.ADJUSTMENT if correction > 0 else Kind.CLAWBACK,
                    base_amount=ZERO, multiplier=paid.multiplier if paid else Decimal(1),
                    amount=correction, reason=self._why(deal, partner_id, owed, recorded),
                    # A clawback nets at once; an adjustment in the partner's favour is held.
                    hold_until=self.period.start + (hold if correction > 0 else dt.timedelta()),
                )  # fmt: skip

    def _why(self, deal, partner_id, owed, recorded) -> str:
        if deal["status"] != self.won:
            return f"Deal is no longer won ({deal['status']}); {recorded} was recorded."
        if deal["partner_id"] != partner_id:
            return f"Deal reassigned to another partner; {recorded} was recorded."
        return f"Closed amount or terms changed: {owed} owed to date, {recorded} recorded before."

    # --- storing ----------------------------------------------------------------------------

    def _store(self, ids, desired: dict[tuple, CommissionLine]) -> ChunkResult:
        current = CommissionLine.objects.filter(
            deal_id__in=ids, period=self.label, spiff__isnull=True
        )
        return store_lines(current, desired)


def store_lines(current, desired: dict[tuple, CommissionLine]) -> ChunkResult:
    """Make the lines of ``current`` (a queryset of one period's lines) match ``desired``
    (keyed by deal, rule, kind): insert the missing ones, bring pending ones up to date, remove
    pending ones no longer owed. Lines past pending are left alone."""
    existing = {(line.deal_id, line.rule_id, line.kind): line for line in current}
    stale = [
        line.pk for key, line in existing.items()
        if key not in desired and line.status == Status.PENDING
    ]  # fmt: skip
    changed = []
    for key, line in desired.items():
        old = existing.get(key)
        if old is not None and old.status == Status.PENDING and old.amount != line.amount:
            line.pk, line.created_at = old.pk, old.created_at
            changed.append(line)
    if stale:
        CommissionLine.objects.filter(pk__in=stale).delete()
    if changed:
        CommissionLine.objects.bulk_update(
            changed,
            ["amount", "base_amount", "rate", "multiplier", "reason", "hold_until", "partner"],
        )
    new = [line for key, line in desired.items() if key not in existing]
    CommissionLine.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    created = current.all().count() - (len(existing) - len(stale))
    return ChunkResult(created=created, updated=len(changed) + len(stale))


def calculate_run(
    run: CommissionRun, *, chunk_size: int | None = None, on_chunk: Callable | None = None
):
    """Calculate ``run``'s period: base lines chunk by chunk (progress saved after each chunk),
    then spiffs, then the statements. Raises what the calculation raises (the caller records
    the failure)."""
    from .spiffs import apply_spiffs
    from .statements import open_statements

    calc = PeriodCalculation(run)
    refuse_if_later_periods_exist(calc.label)
    ids = calc.deal_ids()
    if calc.set_based:
        setbased.refresh_statistics()
    chunk_size = chunk_size or (SET_BASED_CHUNK_SIZE if calc.set_based else CHUNK_SIZE)
    CommissionRun.objects.filter(pk=run.pk).update(rows_total=len(ids), rows_done=0)

    def calculate(index: int, chunk: list[int]) -> None:
        with atomic_bulk():
            result = calc.calculate_chunk(chunk)
            CommissionRun.objects.filter(pk=run.pk).update(
                rows_done=F("rows_done") + len(chunk),
                lines_created=F("lines_created") + result.created,
                lines_updated=F("lines_updated") + result.updated,
            )
        if on_chunk is not None:
            on_chunk(index)

    # Chunks hold disjoint deals, so their lines too: a worker calculates several at once.
    in_parallel(
        [
            partial(calculate, index, chunk)
            for index, chunk in enumerate(even_chunks(ids, chunk_size))
        ],
        at_once=settings.PRM_JOB_CONNECTIONS,
    )
    with atomic_bulk():
        created, updated = apply_spiffs(period=calc.period, run=run)
        CommissionRun.objects.filter(pk=run.pk).update(
            lines_created=F("lines_created") + created, lines_updated=F("lines_updated") + updated
        )
        open_statements(period=calc.label)


def refuse_if_later_periods_exist(label: str) -> None:
    from .exceptions import InvalidPeriod

    later = CommissionLine.objects.filter(period__gt=label).order_by("-period").first()
    if later is not None:
        raise InvalidPeriod(
            f"{later.period} is already calculated; corrections to {label} land in the latest "
            "period, so calculate that one again instead."
        )
