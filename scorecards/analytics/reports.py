"""PDF reports rendered with WeasyPrint from HTML templates: a partner's quarterly business
review (tier progress, trend charts, plan versus actual, commissions and MDF of the quarter)
and the program summary for ops (the dashboard's figures and charts).

Charts are embedded as SVG images (``prm.charts.data_uri``): WeasyPrint draws SVG images.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from deals.models import CommissionLine
from enablement.models import Certification, JointBusinessPlan, PersonCertification, PlanTarget
from mdf.ledger.selectors import fund_balances
from mdf.models import Fund, MdfPayment
from partners.models import Partner
from partners.selectors import get_partner_for_user, partner_access, partners_visible_to
from partners.tier_progress import standing
from prm.charts import data_uri
from prm.currency.conversion import MissingExchangeRate, convert
from prm.db_routers import reporting_reads
from prm.models import User
from prm.periods import FiscalPeriod, fiscal_quarter, fiscal_year, parse_period
from prm.permissions import require_program_ops
from scorecards.cards.selectors import scorecard_summary

from . import charts as analytics_charts
from . import headline, selectors
from .filters import Filters
from .money import Figure

# The scorecard section of the business review; included once the scorecards exist.
PARTNER_CHARTS = ("bookings", "pipeline", "win_rate", "deal_size")


def default_quarter() -> FiscalPeriod:
    """The last closed fiscal quarter: what a business review usually looks back on."""
    return fiscal_quarter(timezone.localdate()).previous()


class QuarterForm(forms.Form):
    quarter = forms.CharField(
        label=gettext_lazy("Quarter"),
        max_length=12,
        help_text=gettext_lazy("A fiscal quarter, e.g. FY2026-Q3."),
    )

    def clean_quarter(self) -> FiscalPeriod:
        text = self.cleaned_data["quarter"].strip()
        try:
            period = parse_period(text)
        except ValueError as exc:
            raise forms.ValidationError(
                _("“%(value)s” is not a fiscal quarter; use FY2026-Q3.") % {"value": text}
            ) from exc
        if period.quarter is None:
            raise forms.ValidationError(_("Choose one quarter, e.g. FY2026-Q3."))
        return period

    def period(self) -> FiscalPeriod:
        return self.cleaned_data["quarter"]


# --- Who may read a partner's business review -----------------------------------------------


def review_partners(user: User) -> QuerySet[Partner] | None:
    """Partners whose review ``user`` may read: ops all, a CAM theirs, a partner admin their
    own. ``None`` when the user may read none (partner reps)."""
    if user.is_program_ops or user.is_channel_manager:
        return partners_visible_to(user).order_by("display_name", "pk")
    admin_of = partner_access(user).admin_of
    if not admin_of:
        return None
    return Partner.objects.filter(pk__in=admin_of).order_by("display_name", "pk")


def get_review_partner(user: User, pk) -> Partner:
    """404 outside the user's partners; 403 for a partner's own reps (admins only)."""
    partner = get_partner_for_user(user, pk)
    if user.is_program_ops or user.is_channel_manager:
        return partner
    if partner.pk not in partner_access(user).admin_of:
        raise PermissionDenied(_("Only the partner's admins may read its business review."))
    return partner


# --- Plan versus actual ---------------------------------------------------------------------


@dataclass(frozen=True)
class PlanLine:
    target: PlanTarget
    target_value: Figure | Decimal
    actual: Figure | Decimal | int | None
    is_money: bool

    @property
    def measured(self) -> bool:
        return self.actual is not None

    @property
    def percent(self) -> Decimal | None:
        target = (
            self.target_value.amount if isinstance(self.target_value, Figure) else self.target_value
        )
        actual = self.actual.amount if isinstance(self.actual, Figure) else self.actual
        if actual is None or not target:
            return None
        return (Decimal(actual) * 100 / Decimal(target)).quantize(Decimal("0.1"))


def certified_people_of(partner: Partner, day: dt.date, kind: str | None = None) -> int:
    valid = PersonCertification.objects.filter(
        partner=partner, earned_on__lte=day, expires_on__gte=day
    )
    if kind:
        valid = valid.filter(certification__kind=kind)
    return valid.aggregate(n=Count("user_id", distinct=True))["n"]


def plan_versus_actual(partner: Partner, quarter: FiscalPeriod, analytics) -> tuple:
    """The approved plan of the quarter's fiscal year and each target against the year to
    date up to the quarter's end (targets the portal cannot measure say so)."""
    year = fiscal_year(quarter.start)
    plan = (
        JointBusinessPlan.objects.filter(
            partner=partner, fiscal_year=year.year, status=JointBusinessPlan.Status.APPROVED
        )
        .prefetch_related("targets")
        .first()
    )
    if plan is None:
        return None, []
    to_date = [q for q in analytics.quarters if year.start <= q.start <= quarter.end]
    M = PlanTarget.Metric
    measured: dict[str, Callable[[], Figure | int]] = {
        M.REGISTERED_DEALS: lambda: sum(analytics.counts[q].pipeline_n for q in to_date),
        M.PIPELINE: lambda: _sum_figures(analytics.pipeline_of(quarter=q) for q in to_date),
        M.CLOSED_WON: lambda: _sum_figures(analytics.booked(quarter=q) for q in to_date),
        M.CERTIFIED_PEOPLE: lambda: certified_people_of(partner, quarter.end),
        M.CERTIFIED_DEVELOPERS: lambda: certified_people_of(
            partner, quarter.end, Certification.Kind.DEVELOPER
        ),
    }
    lines = []
    for target in plan.targets.all():
        value: Figure | Decimal = target.target_value
        if target.is_money:
            value = _in_program_currency(target.target_value, plan.currency, quarter.end)
        actual = measured[target.metric]() if target.metric in measured else None
        lines.append(PlanLine(target, value, actual, target.is_money))
    return plan, lines


def _sum_figures(figures) -> Figure:
    total = Decimal(0)
    for figure in figures:
        if not figure.available:
            return figure
        total += figure.amount
    return Figure(total)


def _in_program_currency(amount: Decimal, currency: str, day: dt.date) -> Figure:
    try:
        return Figure(convert(amount, currency, on=day))
    except MissingExchangeRate as exc:
        return Figure(None, exc.message)


# --- Commissions and MDF of the quarter ----------------------------------------------------


def commissions_of(partner: Partner, quarter: FiscalPeriod) -> list[dict]:
    """Commission lines of the quarter by currency and status (reversed lines left out)."""
    return list(
        CommissionLine.objects.filter(partner=partner, period=quarter.label)
        .exclude(status=CommissionLine.Status.REVERSED)
        .order_by("currency", "status")
        .values("currency", "status")
        .annotate(amount=Sum("amount"), lines=Count("pk"))
    )


def mdf_of(partner: Partner, quarter: FiscalPeriod) -> dict:
    funds = list(Fund.objects.filter(partner=partner, period=quarter.label).order_by("currency"))
    balances = fund_balances([f.pk for f in funds])
    payments = list(
        MdfPayment.objects.filter(partner=partner, paid_on__range=(quarter.start, quarter.end))
        .order_by("currency")
        .values("currency")
        .annotate(amount=Sum("amount"), count=Count("pk"))
    )
    return {"funds": [(fund, balances[fund.pk]) for fund in funds], "payments": payments}


# --- Documents -----------------------------------------------------------------------------


def _charts(charts) -> list[tuple]:
    return [(chart, data_uri(chart)) for chart in charts]


def _for_quarter(analytics, quarter: FiscalPeriod):
    """The same figures with the quarter as the period (trends keep their quarters)."""
    return dataclasses.replace(analytics, period=quarter)


@reporting_reads()
def business_review_html(partner: Partner, quarter: FiscalPeriod) -> str:
    analytics = selectors.partner_analytics(partner, quarter)
    plan, plan_lines = plan_versus_actual(partner, quarter, analytics)
    charts = [c for c in analytics_charts.trend_charts(analytics) if c.key in PARTNER_CHARTS]
    tier_standing = standing(partner, as_of=quarter.end)
    shown = ("sourced_bookings", "influenced_bookings", "sourced_pipeline", "influenced_pipeline",
             "won", "win_rate", "cycle", "average_deal", "contribution_margin", "deal_sla",
             "lead_sla")  # fmt: skip
    quarter_analytics = _for_quarter(analytics, quarter)
    return render_to_string(
        "scorecards/analytics/business_review_document.html",
        {
            "partner": partner,
            "quarter": quarter,
            "analytics": analytics,
            "standing": tier_standing,
            "tier_standings": [t for t in (tier_standing.current, tier_standing.next) if t],
            "kpis": [k for k in headline.kpis(quarter_analytics) if k.key in shown],
            "plan": plan,
            "plan_lines": plan_lines,
            "commissions": commissions_of(partner, quarter),
            "mdf": mdf_of(partner, quarter),
            "charts": _charts(charts),
            "scorecard": scorecard_summary(partner, quarter.label),
            "generated_at": timezone.now(),
        },
    )


def business_review_pdf(partner: Partner, quarter: FiscalPeriod) -> bytes:
    from weasyprint import HTML

    return HTML(string=business_review_html(partner, quarter)).write_pdf()


def program_summary_html(user: User, filters: Filters) -> str:
    require_program_ops(user, _("The program summary is for program ops."), error=PermissionDenied)
    analytics = selectors.dashboard(user, filters)
    return render_to_string(
        "scorecards/analytics/summary_document.html",
        {
            "analytics": analytics,
            "filters": filters,
            "charts": _charts(analytics_charts.trend_charts(analytics)),
            "kpi_groups": headline.kpi_groups(analytics),
            "generated_at": timezone.now(),
        },
    )


def program_summary_pdf(user: User, filters: Filters) -> bytes:
    from weasyprint import HTML

    return HTML(string=program_summary_html(user, filters)).write_pdf()
