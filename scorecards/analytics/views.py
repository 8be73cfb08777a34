"""Program analytics pages, CSV exports and PDF reports: thin adapters over ``selectors`` and
``reports``."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from prm.charts import chart_csv, render_svg

from . import charts as analytics_charts
from . import headline, reports, selectors
from .filters import AnalyticsFilterForm

PAGE_SIZE = 50


def _filter_form(request) -> AnalyticsFilterForm:
    selectors.require_analytics_access(request.user)
    form = AnalyticsFilterForm(request.GET, user=request.user)
    form.is_valid()
    return form


@login_required
@require_GET
def dashboard(request):
    form = _filter_form(request)
    context: dict[str, Any] = {"form": form, "analytics": None, "charts": []}
    if not form.is_valid():
        return render(request, "scorecards/analytics/dashboard.html", context, status=400)
    filters = form.filters()
    analytics = selectors.dashboard(request.user, filters)
    # Reading the nonce puts it in this response's policy header (django-csp).
    nonce = str(request.csp_nonce)
    context.update(
        analytics=analytics,
        filters=filters,
        query=urlencode(filters.query()),
        kpi_groups=headline.kpi_groups(analytics),
        charts=[
            (chart, render_svg(chart, nonce=nonce))
            for chart in analytics_charts.trend_charts(analytics)
        ],
    )
    return render(request, "scorecards/analytics/dashboard.html", context)


@login_required
@require_GET
def chart_export(request, key):
    form = _filter_form(request)
    if not form.is_valid():
        return HttpResponse(
            "\n".join(form.error_messages_list), status=400, content_type="text/plain"
        )
    filters = form.filters()
    charts = {
        c.key: c for c in analytics_charts.trend_charts(selectors.dashboard(request.user, filters))
    }
    if key not in charts:
        raise Http404(_("No such chart."))
    response = HttpResponse(chart_csv(charts[key]), content_type="text/csv; charset=utf-8")
    filename = f"{key}-{filters.period.label}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def program_summary_pdf(request):
    if not request.user.is_program_ops:
        raise PermissionDenied(_("The program summary is for program ops."))
    form = _filter_form(request)
    if not form.is_valid():
        return HttpResponse(
            "\n".join(form.error_messages_list), status=400, content_type="text/plain"
        )
    filters = form.filters()
    pdf = reports.program_summary_pdf(request.user, filters)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="program-summary-{filters.period.label}.pdf"'
    )
    return response


def _quarter_form(request) -> reports.QuarterForm:
    """Bound only when a quarter is given; the last closed quarter otherwise."""
    if "quarter" in request.GET:
        return reports.QuarterForm(request.GET)
    return reports.QuarterForm(initial={"quarter": reports.default_quarter().label})


@login_required
@require_GET
def business_reviews(request):
    partners = reports.review_partners(request.user)
    if partners is None:
        raise PermissionDenied(_("Business reviews are for partner admins, their CAM and ops."))
    form = _quarter_form(request)
    valid = not form.is_bound or form.is_valid()
    quarter = form.period() if form.is_bound and valid else reports.default_quarter()
    search = request.GET.get("q", "").strip()
    if search:
        partners = partners.filter(display_name__matches=search)
    page = Paginator(partners, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {"quarter": quarter.label, **({"q": search} if search else {})}
    return render(
        request,
        "scorecards/analytics/business_reviews.html",
        {
            "form": form,
            "quarter": quarter,
            "page_obj": page,
            "search": search,
            "querystring": urlencode(query),
        },
        status=200 if valid else 400,
    )


@login_required
@require_GET
def business_review_pdf(request, pk):
    partner = reports.get_review_partner(request.user, pk)
    form = _quarter_form(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            "\n".join(str(e) for errors in form.errors.values() for e in errors),
            status=400,
            content_type="text/plain",
        )
    quarter = form.period() if form.is_bound else reports.default_quarter()
    pdf = reports.business_review_pdf(partner, quarter)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="business-review-{partner.pk}-{quarter.label}.pdf"'
    )
    return response
