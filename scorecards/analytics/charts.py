"""The dashboard's trend charts (``prm.charts.Chart``), each with the table shown under it."""

from decimal import Decimal

from django.utils.translation import gettext as _

from prm.charts import Chart, Series

from .money import Figure
from .selectors import Analytics


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
