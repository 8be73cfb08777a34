"""Program analytics for program ops (the whole program) and channel account managers (their
own partners only), built from the handful of grouped queries in ``queries``.

Figures for a period are the sums of its fiscal quarters; trends show the quarters up to the
period's last one. Amounts are in the program currency, each converted at the rate of its day;
a missing rate leaves the affected figures unavailable with the rate named.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from partners.models import Partner
from partners.selectors import partners_visible_to
from prm.db_routers import reporting_reads
from prm.models import User
from prm.money import default_currency
from prm.periods import FiscalPeriod, fiscal_quarter, parse_period

from . import queries
from .filters import Filters, partners_in_region
from .money import Converted, Figure, convert_rows

TREND_QUARTERS = 6
SOURCINGS = ("sourced", "influenced")


def require_analytics_access(user: User) -> None:
    """Program ops and channel account managers; partner users never see program figures."""
    if not (user.is_program_ops or user.is_channel_manager):
        raise PermissionDenied(_("Program analytics are for program ops and channel managers."))


def partner_scope(user: User, filters: Filters) -> QuerySet | None:
    """Partner ids the figures cover: ``None`` for ops without partner filters (everything)."""
    if user.is_program_ops and not filters.narrows_partners:
        return None
    partners = partners_visible_to(user)
    if filters.tier:
        partners = partners.filter(tier=filters.tier)
    if filters.business_model:
        partners = partners.filter(business_model=filters.business_model)
    if filters.cam:
        partners = partners.filter(channel_manager=filters.cam)
    if filters.region:
        partners = partners_in_region(partners, filters.region)
    return partners.order_by().values("pk")


def trend_quarters(period: FiscalPeriod) -> list[FiscalPeriod]:
    """The fiscal quarters shown in trends: at least ``TREND_QUARTERS``, ending with the
    period's last quarter and covering the whole period."""
    quarters = [fiscal_quarter(period.end)]
    while len(quarters) < TREND_QUARTERS or quarters[0].start > period.start:
        quarters.insert(0, quarters[0].previous())
    return quarters


def _ratio(numerator, denominator, places: str = "0.01") -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal(places), rounding=ROUND_HALF_UP
    )


def _percent(part: int, whole: int) -> Decimal | None:
    return _ratio(100 * part, whole, "0.1")


def _days(total) -> Decimal:
    """A summed duration in days (PostgreSQL: timedelta; SQLite: microseconds)."""
    if total is None:
        return Decimal(0)
    if isinstance(total, dt.timedelta):
        return Decimal(total.days) + Decimal(total.seconds) / 86400
    return Decimal(int(total)) / Decimal(86_400_000_000)


@dataclass
class QuarterCounts:
    won: int = 0
    lost: int = 0
    cycle_days: Decimal = Decimal(0)
    cycle_n: int = 0
    pipeline_n: int = 0
    sla_on_time: int = 0
    sla_late: int = 0
    leads_in_time: int = 0
    leads_late: int = 0
    leads_accepted: int = 0
    leads_recalled: int = 0
    leads_pending: int = 0

    def add(self, other: "QuarterCounts") -> "QuarterCounts":
        return QuarterCounts(
            **{name: getattr(self, name) + getattr(other, name) for name in self.__dict__}
        )

    @property
    def win_rate(self) -> Decimal | None:
        return _percent(self.won, self.won + self.lost)

    @property
    def cycle(self) -> Decimal | None:
        return _ratio(self.cycle_days, self.cycle_n, "0.1")

    @property
    def sla_answered(self) -> int:
        return self.sla_on_time + self.sla_late

    @property
    def sla_on_time_rate(self) -> Decimal | None:
        return _percent(self.sla_on_time, self.sla_answered)

    @property
    def leads_offered(self) -> int:
        answered = self.leads_in_time + self.leads_late
        return answered + self.leads_recalled + self.leads_pending

    @property
    def leads_in_time_rate(self) -> Decimal | None:
        decided = self.leads_in_time + self.leads_late + self.leads_recalled
        return _percent(self.leads_in_time, decided)


@dataclass(frozen=True)
class Cohort:
    label: str
    partners: int
    won: int
    lost: int
    bookings: Figure

    @property
    def bookings_per_partner(self) -> Figure:
        if not self.bookings.available:
            return self.bookings
        return Figure(_ratio(self.bookings.amount, self.partners) if self.partners else None)

    @property
    def win_rate(self) -> Decimal | None:
        return _percent(self.won, self.won + self.lost)

    @property
    def average_deal(self) -> Figure:
        if not self.bookings.available:
            return self.bookings
        return Figure(_ratio(self.bookings.amount, self.won))


@dataclass
class Analytics:
    """Every figure of the dashboard for one period and partner scope."""

    period: FiscalPeriod
    quarters: list[FiscalPeriod]
    currency: str
    counts: dict[FiscalPeriod, QuarterCounts]
    bookings: Converted
    pipeline: Converted
    commissions: Converted
    mdf: Converted
    breached_now: int
    cohorts: list[Cohort] = field(default_factory=list)

    @property
    def period_quarters(self) -> list[FiscalPeriod]:
        return [q for q in self.quarters if self.period.start <= q.start <= self.period.end]

    @property
    def missing_rates(self) -> list[str]:
        found = [
            c.missing.message
            for c in (self.bookings, self.pipeline, self.commissions, self.mdf)
            if c.missing is not None
        ]
        return list(dict.fromkeys(found))

    def totals(self, quarters: list[FiscalPeriod] | None = None) -> QuarterCounts:
        total = QuarterCounts()
        for quarter in quarters if quarters is not None else self.period_quarters:
            total = total.add(self.counts[quarter])
        return total

    # Money figures, for the period or one quarter ----------------------------------------

    def _qs(self, quarter: FiscalPeriod | None) -> list[FiscalPeriod]:
        return [quarter] if quarter else self.period_quarters

    def booked(self, sourcing: str | None = None, quarter: FiscalPeriod | None = None) -> Figure:
        keys = [("amount", s) for s in ([sourcing] if sourcing else SOURCINGS)]
        return self.bookings.figure(self._qs(quarter), keys)

    def pipeline_of(self, sourcing: str | None = None, quarter=None) -> Figure:
        keys = [sourcing] if sourcing else list(SOURCINGS)
        return self.pipeline.figure(self._qs(quarter), keys)

    def average_deal(self, quarter: FiscalPeriod | None = None) -> Figure:
        booked = self.booked(quarter=quarter)
        won = self.totals(self._qs(quarter)).won
        return Figure(_ratio(booked.amount, won), booked.missing) if booked.available else booked

    def margin_parts(self, quarter: FiscalPeriod | None = None) -> dict[str, Figure]:
        qs = self._qs(quarter)
        return {
            "revenue": self.booked(quarter=quarter),
            "discounts": self.bookings.figure(qs, [("discount", None)]),
            "cost": self.bookings.figure(qs, [("cost", None)]),
            "commissions": self.commissions.figure(qs, [None]),
            "mdf": self.mdf.figure(qs, ["paid"]),
        }

    def contribution_margin(self, quarter: FiscalPeriod | None = None) -> Figure:
        parts = self.margin_parts(quarter)
        for part in parts.values():
            if not part.available:
                return part
        revenue = parts.pop("revenue").amount or Decimal(0)
        return Figure(revenue - sum((p.amount or Decimal(0) for p in parts.values()), Decimal(0)))

    def mdf_figures(self, quarter: FiscalPeriod | None = None) -> "MdfFigures":
        qs = self._qs(quarter)
        return MdfFigures(
            paid=self.mdf.figure(qs, ["paid"]),
            pipeline=self.mdf.figure(qs, ["pipeline"]),
            bookings=self.mdf.figure(qs, ["bookings"]),
        )


@dataclass(frozen=True)
class MdfFigures:
    """MDF paid and what its claims returned: pipeline reported and won bookings linked."""

    paid: Figure
    pipeline: Figure
    bookings: Figure

    @property
    def return_per_dollar(self) -> Decimal | None:
        return _ratio(self.bookings.amount, self.paid.amount) if self.paid.available else None

    @property
    def pipeline_per_dollar(self) -> Decimal | None:
        return _ratio(self.pipeline.amount, self.paid.amount) if self.paid.available else None


@reporting_reads()
def analytics_for(scope, period: FiscalPeriod, *, with_cohorts: bool = True) -> Analytics:
    """Every figure for ``period`` over the partners of ``scope``: about a dozen queries."""
    quarters = trend_quarters(period)
    start, end = quarters[0].start, quarters[-1].end
    counts = {quarter: QuarterCounts() for quarter in quarters}
    won_rows = queries.won_deals(scope, start, end)
    _count(counts, quarters, won_rows, lambda r: {"won": r[3], "cycle_n": r[8]})
    for row in won_rows:
        quarter = _quarter(quarters, row[0])
        counts[quarter].cycle_days += _days(row[7])
    _count(counts, quarters, queries.lost_deals(scope, start, end), lambda r: {"lost": r[1]})
    pipeline_rows = queries.new_pipeline(scope, start, end)
    _count(counts, quarters, pipeline_rows, lambda r: {"pipeline_n": r[3]})
    _count(
        counts,
        quarters,
        queries.deal_sla(scope, start, end),
        lambda r: {"sla_on_time": r[1], "sla_late": r[2]},
    )
    _count(
        counts,
        quarters,
        queries.lead_sla(scope, start, end),
        lambda r: {
            "leads_in_time": r[1],
            "leads_late": r[2],
            "leads_accepted": r[3],
            "leads_recalled": r[4],
            "leads_pending": r[5],
        },
    )
    bookings = convert_rows(_booking_rows(won_rows), quarters)
    pipeline = convert_rows(((r[0], r[1], r[2], r[4]) for r in pipeline_rows), quarters)
    by_label = {q.label: q for q in quarters}
    commissions = convert_rows(
        (
            (by_label[label].end, currency, None, amount)
            for label, currency, amount in queries.commissions(scope, list(by_label))
        ),
        quarters,
    )
    mdf = convert_rows(_mdf_rows(scope, start, end), quarters)
    analytics = Analytics(
        period=period,
        quarters=quarters,
        currency=default_currency(),
        counts=counts,
        bookings=bookings,
        pipeline=pipeline,
        commissions=commissions,
        mdf=mdf,
        breached_now=queries.deal_sla_breached_now(scope),
    )
    if with_cohorts:
        analytics.cohorts = certification_cohorts(scope, period)
    return analytics


def _quarter(quarters: list[FiscalPeriod], day: dt.date) -> FiscalPeriod:
    for quarter in quarters:
        if quarter.contains(day):
            return quarter
    raise ValueError(f"{day} lies outside the quarters queried")


def _count(counts, quarters, rows, fields) -> None:
    for row in rows:
        tally = counts[_quarter(quarters, row[0])]
        for name, value in fields(row).items():
            setattr(tally, name, getattr(tally, name) + (value or 0))


def _booking_rows(won_rows):
    for day, currency, sourcing, _n, amount, discount, cost, _cycle, _cycle_n in won_rows:
        yield day, currency, ("amount", sourcing), amount
        yield day, currency, ("discount", None), discount
        yield day, currency, ("cost", None), cost


def _mdf_rows(scope, start: dt.date, end: dt.date):
    for day, currency, amount in queries.mdf_paid(scope, start, end):
        yield day, currency, "paid", amount
    for day, currency, amount in queries.mdf_claimed_pipeline(scope, start, end):
        yield day, currency, "pipeline", amount
    for paid_on, currency, closed_on, amount in queries.mdf_attributed_bookings(scope, start, end):
        yield paid_on, currency, "bookings", amount, closed_on


def certification_cohorts(scope, period: FiscalPeriod) -> list[Cohort]:
    """Active partners grouped by people certified at the period's end, with their won and lost
    deals of the period: does certification pay?"""
    certified = queries.certified_people(scope, period.end)
    members = [0] * len(queries.COHORTS)
    for n in certified.values():
        members[queries.cohort_of(n)] += 1
    members[0] = queries.active_partner_count(scope) - sum(members[1:])
    won_rows, lost_rows = queries.cohort_deals(scope, certified, period.start, period.end)
    quarters = [period]
    converted = convert_rows(((r[0], r[1], r[2], r[4]) for r in won_rows), quarters)
    won = [0] * len(queries.COHORTS)
    for row in won_rows:
        won[row[2]] += row[3]
    lost = dict(lost_rows)
    return [
        Cohort(
            label=label,
            partners=members[index],
            won=won[index],
            lost=lost.get(index, 0),
            bookings=converted.figure(quarters, [index]),
        )
        for index, (_low, _high, label) in enumerate(queries.COHORTS)
    ]


# --- Entry points ------------------------------------------------------------------------


def dashboard(user: User, filters: Filters) -> Analytics:
    require_analytics_access(user)
    return analytics_for(partner_scope(user, filters), filters.period)


def partner_analytics(partner: Partner, period: FiscalPeriod) -> Analytics:
    """One partner's figures (its quarterly business review)."""
    return analytics_for([partner.pk], period, with_cohorts=False)


def period_from_label(label: str) -> FiscalPeriod:
    return parse_period(label)
