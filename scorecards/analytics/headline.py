"""The period's headline figures, formatted for the page and the PDFs."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from prm.money import format_money

from .money import Figure
from .selectors import Analytics


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
        _money_kpi("mdf_pipeline", _("Pipeline reported on paid claims"), mdf.pipeline, c, funds),
        _money_kpi("mdf_bookings", _("Won bookings linked to paid claims"), mdf.bookings, c, funds),
        _plain_kpi(
            "mdf_return", _("Won bookings per MDF dollar"), mdf.return_per_dollar, "", funds
        ),
        _plain_kpi(
            "mdf_pipeline_return",
            _("Pipeline per MDF dollar"),
            mdf.pipeline_per_dollar,
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
