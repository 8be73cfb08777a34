"""Rep territories (the table ops maintain) and the internal rep credit report."""

import csv

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from prm.countries import country_name
from prm.csvfiles import safe_cell
from prm.currency.conversion import MissingExchangeRate
from prm.forms import add_domain_errors
from prm.money import quantize
from prm.paging import querystring

from ..exceptions import CommissionError
from ..forms import RepCreditFilterForm, RepTerritoryForm, current_period_label
from ..periods import commission_period
from ..repcredit import selectors, services
from ..repcredit.models import RepTerritory
from .common import ops_required, page_of


def _territory(pk) -> RepTerritory:
    try:
        return selectors.territories().get(pk=pk)
    except (RepTerritory.DoesNotExist, ValueError):
        raise Http404 from None


def _save(request, form, territory=None):
    try:
        services.save_territory(actor=request.user, territory=territory, **form.cleaned_data)
    except CommissionError as exc:
        add_domain_errors(form, exc)
        return None
    messages.success(request, _("Territory saved."))
    return redirect("deals:rep_territory_list")


@ops_required
def territory_list(request):
    form = RepTerritoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and (done := _save(request, form)):
        return done
    return render(
        request,
        "commissions/ops/territory_list.html",
        {"form": form, "territories": selectors.territories()},
        status=400 if form.errors else 200,
    )


@ops_required
def territory_edit(request, pk):
    territory = _territory(pk)
    initial = {name: getattr(territory, name) for name in RepTerritoryForm.FIELDS}
    form = RepTerritoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and (done := _save(request, form, territory)):
        return done
    return render(
        request,
        "commissions/ops/territory_form.html",
        {"form": form, "territory": territory},
        status=400 if form.errors else 200,
    )


@ops_required
@require_POST
def territory_remove(request, pk):
    services.remove_territory(actor=request.user, territory=_territory(pk))
    messages.success(request, _("Territory removed."))
    return redirect("deals:rep_territory_list")


def _report(request):
    form = RepCreditFilterForm(request.GET or {"period": current_period_label()})
    if not form.is_valid():
        return form, None, ""
    try:
        return form, selectors.rep_credit_report(commission_period(form.cleaned_data["period"])), ""
    except MissingExchangeRate as exc:
        return form, None, exc.message


@ops_required
@require_GET
def rep_credit_report(request):
    form, report, error = _report(request)
    page = page_of(request, report.deals, size=100) if report else None
    return render(
        request,
        "commissions/ops/rep_credit_report.html",
        {
            "form": form,
            "report": report,
            "error": error,
            "page_obj": page,
            "querystring": querystring(request),
        },  # fmt: skip
        status=400 if form.errors else (409 if error else 200),
    )


class _Echo:
    def write(self, value):
        return value


@ops_required
@require_GET
def rep_credit_csv(request):
    form, report, error = _report(request)
    if report is None:
        messages.error(request, error or _("Choose a valid period."))
        return redirect("deals:rep_credit_report")
    writer = csv.writer(_Echo())
    header = [
        "deal_id", "closed_on", "customer", "country", "partner", "amount", "currency",
        f"amount_{report.currency.lower()}", "rep_email", "rep_name", "credited_by",
    ]  # fmt: skip

    def rows():
        yield writer.writerow(header)
        for d in report.deals:
            rep = d.rep
            yield writer.writerow(
                [d.deal_id, d.closed_on.isoformat(), safe_cell(d.customer),
                 safe_cell(country_name(d.country) or d.country), safe_cell(d.partner), d.amount,
                 d.currency, quantize(d.converted), rep.email if rep else "",
                 safe_cell(rep.name) if rep else "", rep.source if rep else "unassigned"]
            )  # fmt: skip

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    name = f"rep-credit-{report.period.label}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
