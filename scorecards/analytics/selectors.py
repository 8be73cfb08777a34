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
from prm.charts import Chart, Series
from prm.models import User
from prm.money import default_currency, format_money
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

    def mdf_figures(
        self, quarter: FiscalPeriod | None = None
    ) -> dict[str, Figure | Decimal | None]:
        qs = self._qs(quarter)
        paid = self.mdf.figure(qs, ["paid"])
        pipeline = self.mdf.figure(qs, ["pipeline"])
        bookings = self.mdf.figure(qs, ["bookings"])
        return {
            "paid": paid,
            "pipeline": pipeline,
            "bookings": bookings,
            "return_per_dollar": _ratio(bookings.amount, paid.amount) if paid.available else None,
            "pipeline_per_dollar": _ratio(pipeline.amount, paid.amount) if paid.available else None,
        }


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


# --- Charts ----------------------------------------------------------------------------------


def _value(figure: Figure) -> Decimal | None:
    return figure.amount


def trend_charts(analytics: Analytics) -> list[Chart]:
    quarters = analytics.quarters
    labels = [q.label for q in quarters]
    currency = analytics.currency
    counts = [analytics.counts[q] for q in quarters]
    charts = [
        Chart(
            key="bookings",
            title=_("Won bookings by quarter"),
            labels=labels,
            kind="bar",
            unit=currency,
            series=[
                Series(
                    _("Partner-sourced"), [_value(analytics.booked("sourced", q)) for q in quarters]
                ),
                Series(
                    _("Partner-influenced"),
                    [_value(analytics.booked("influenced", q)) for q in quarters],
                ),
            ],
        ),
        Chart(
            key="pipeline",
            title=_("New registered pipeline by quarter"),
            labels=labels,
            kind="bar",
            unit=currency,
            series=[
                Series(
                    _("Partner-sourced"),
                    [_value(analytics.pipeline_of("sourced", q)) for q in quarters],
                ),
                Series(
                    _("Partner-influenced"),
                    [_value(analytics.pipeline_of("influenced", q)) for q in quarters],
                ),
            ],
        ),
        Chart(
            key="win_rate",
            title=_("Win rate and sales cycle"),
            labels=labels,
            unit=_("% / days"),
            series=[
                Series(_("Win rate (%)"), [c.win_rate for c in counts]),
                Series(_("Sales cycle (days)"), [c.cycle for c in counts]),
            ],
            extra_columns=[
                (_("Won"), [str(c.won) for c in counts]),
                (_("Lost"), [str(c.lost) for c in counts]),
            ],
        ),
        Chart(
            key="deal_size",
            title=_("Average deal size"),
            labels=labels,
            unit=currency,
            series=[
                Series(_("Average won deal"), [_value(analytics.average_deal(q)) for q in quarters])
            ],
        ),
        Chart(
            key="margin",
            title=_("Revenue and contribution margin"),
            labels=labels,
            kind="bar",
            unit=currency,
            series=[
                Series(_("Revenue"), [_value(analytics.booked(quarter=q)) for q in quarters]),
                Series(
                    _("Contribution margin"),
                    [_value(analytics.contribution_margin(q)) for q in quarters],
                ),
            ],
        ),
        Chart(
            key="mdf",
            title=_("MDF paid and what it returned"),
            labels=labels,
            kind="bar",
            unit=currency,
            series=[
                Series(
                    _("MDF paid"), [_value(analytics.mdf.figure([q], ["paid"])) for q in quarters]
                ),
                Series(
                    _("Claimed pipeline"),
                    [_value(analytics.mdf.figure([q], ["pipeline"])) for q in quarters],
                ),
                Series(
                    _("Won bookings on claims"),
                    [_value(analytics.mdf.figure([q], ["bookings"])) for q in quarters],
                ),
            ],
        ),
        Chart(
            key="sla",
            title=_("Deal registration and lead SLA"),
            labels=labels,
            unit="%",
            series=[
                Series(
                    _("Registrations answered on time (%)"), [c.sla_on_time_rate for c in counts]
                ),
                Series(_("Leads answered in time (%)"), [c.leads_in_time_rate for c in counts]),
            ],
        ),
    ]
    if analytics.cohorts:
        charts.append(cohort_chart(analytics))
    return charts


def cohort_chart(analytics: Analytics) -> Chart:
    cohorts = analytics.cohorts
    return Chart(
        key="certification",
        title=_("Does certification pay? %(period)s") % {"period": analytics.period.label},
        labels=[c.label for c in cohorts],
        kind="bar",
        unit=analytics.currency,
        series=[
            Series(_("Bookings per partner"), [_value(c.bookings_per_partner) for c in cohorts]),
            Series(_("Average won deal"), [_value(c.average_deal) for c in cohorts]),
        ],
        extra_columns=[
            (_("Active partners"), [str(c.partners) for c in cohorts]),
            (_("Won deals"), [str(c.won) for c in cohorts]),
            (
                _("Win rate (%)"),
                [str(c.win_rate) if c.win_rate is not None else "–" for c in cohorts],
            ),
        ],
    )


# --- Entry points ------------------------------------------------------------------------


def dashboard(user: User, filters: Filters) -> Analytics:
    require_analytics_access(user)
    return analytics_for(partner_scope(user, filters), filters.period)


def partner_analytics(partner: Partner, period: FiscalPeriod) -> Analytics:
    """One partner's figures (its quarterly business review)."""
    return analytics_for([partner.pk], period, with_cohorts=False)


def period_from_label(label: str) -> FiscalPeriod:
    return parse_period(label)


# --- Headline figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    display: str
    missing: str = ""
    group: str = ""


def _money_kpi(key: str, label: str, figure: Figure, currency: str, group: str) -> Kpi:
    if not figure.available:
        return Kpi(key, label, "—", figure.missing, group)
    return Kpi(key, label, format_money(figure.amount, currency), group=group)


def _plain_kpi(key: str, label: str, value, suffix: str, group: str) -> Kpi:
    text = "—" if value is None else f"{value}{suffix}"
    return Kpi(key, label, text, group=group)


def kpis(analytics: Analytics) -> list[Kpi]:
    """The period's headline figures in display order, grouped for the page."""
    c = analytics.currency
    t = analytics.totals()
    mdf = analytics.mdf_figures()
    parts = analytics.margin_parts()
    bookings, pipeline = _("Bookings and pipeline"), _("Sales performance")
    margin, funds, service = _("Contribution margin"), _("MDF"), _("Service levels")
    rows = [
        _money_kpi(
            "sourced_bookings",
            _("Partner-sourced bookings"),
            analytics.booked("sourced"),
            c,
            bookings,
        ),
        _money_kpi(
            "influenced_bookings",
            _("Partner-influenced bookings"),
            analytics.booked("influenced"),
            c,
            bookings,
        ),
        _money_kpi(
            "sourced_pipeline",
            _("Partner-sourced new pipeline"),
            analytics.pipeline_of("sourced"),
            c,
            bookings,
        ),
        _money_kpi(
            "influenced_pipeline",
            _("Partner-influenced new pipeline"),
            analytics.pipeline_of("influenced"),
            c,
            bookings,
        ),
        _plain_kpi("registrations", _("Registrations submitted"), t.pipeline_n, "", bookings),
        _plain_kpi("won", _("Won deals"), t.won, "", pipeline),
        _plain_kpi("lost", _("Lost deals"), t.lost, "", pipeline),
        _plain_kpi("win_rate", _("Win rate"), t.win_rate, " %", pipeline),
        _plain_kpi("cycle", _("Sales cycle (registration to close)"), t.cycle, " days", pipeline),
        _money_kpi("average_deal", _("Average won deal"), analytics.average_deal(), c, pipeline),
        _money_kpi("revenue", _("Revenue (won bookings)"), parts["revenue"], c, margin),
        _money_kpi("discounts", _("Discounts"), parts["discounts"], c, margin),
        _money_kpi("cost", _("Cost"), parts["cost"], c, margin),
        _money_kpi("commissions", _("Commissions"), parts["commissions"], c, margin),
        _money_kpi("mdf_cost", _("MDF paid"), parts["mdf"], c, margin),
        _money_kpi(
            "contribution_margin",
            _("Contribution margin"),
            analytics.contribution_margin(),
            c,
            margin,
        ),
        _money_kpi(
            "mdf_pipeline", _("Pipeline reported on paid claims"), mdf["pipeline"], c, funds
        ),
        _money_kpi(
            "mdf_bookings", _("Won bookings linked to paid claims"), mdf["bookings"], c, funds
        ),
        _plain_kpi(
            "mdf_return", _("Won bookings per MDF dollar"), mdf["return_per_dollar"], "", funds
        ),
        _plain_kpi(
            "mdf_pipeline_return",
            _("Pipeline per MDF dollar"),
            mdf["pipeline_per_dollar"],
            "",
            funds,
        ),
        _plain_kpi(
            "deal_sla", _("Registrations answered within SLA"), t.sla_on_time_rate, " %", service
        ),
        _plain_kpi("deal_sla_answered", _("Registrations answered"), t.sla_answered, "", service),
        _plain_kpi(
            "deal_sla_breached",
            _("Registrations past SLA now"),
            analytics.breached_now,
            "",
            service,
        ),
        _plain_kpi("lead_sla", _("Leads answered in time"), t.leads_in_time_rate, " %", service),
        _plain_kpi("leads_offered", _("Leads offered"), t.leads_offered, "", service),
        _plain_kpi("leads_recalled", _("Leads recalled unanswered"), t.leads_recalled, "", service),
    ]
    return rows


def kpi_groups(analytics: Analytics) -> list[tuple[str, list[Kpi]]]:
    groups: dict[str, list[Kpi]] = {}
    for kpi in kpis(analytics):
        groups.setdefault(kpi.group, []).append(kpi)
    return list(groups.items())
