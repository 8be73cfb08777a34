"""Exchange rates in the portal (program ops only): the list, one rate, a CSV import with a
line-numbered report. Writes go through ``services`` (audited)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from prm.exceptions import DomainError
from prm.paging import querystring

from . import selectors, services
from .forms import ExchangeRateForm, RateFilterForm, RateImportForm

PAGE_SIZE = 50


def _ops_only(user) -> None:
    if not user.is_program_ops:
        raise Http404


def _rate_error(form, exc: DomainError) -> None:
    # The form already checks the currency (a choice) and the day (a date), so what the service
    # can still refuse is the rate itself.
    form.add_error("rate" if isinstance(exc, services.InvalidExchangeRate) else None, exc.message)


@login_required
def rate_list(request):
    _ops_only(request.user)
    filters = RateFilterForm(request.GET or None)
    currency = filters.cleaned_data.get("currency") if filters.is_valid() else None
    page = Paginator(selectors.exchange_rates(currency=currency), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "prm/currency/exchangerate_list.html",
        {"filters": filters, "page_obj": page, "querystring": querystring(request)},
    )


@login_required
def rate_add(request):
    _ops_only(request.user)
    form = ExchangeRateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rate = services.set_exchange_rate(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _rate_error(form, exc)
        else:
            messages.success(request, _("Saved: %(rate)s.") % {"rate": rate})
            return redirect("currency:rate_list")
    return render(
        request,
        "prm/currency/exchangerate_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
def rate_import(request):
    _ops_only(request.user)
    form = RateImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.import_exchange_rates(
                actor=request.user, data=form.cleaned_data["file"].read()
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
    return render(
        request,
        "prm/currency/exchangerate_import.html",
        {"form": form, "report": report, "columns": services.CSV_COLUMNS},
        status=400 if form.errors else 200,
    )
