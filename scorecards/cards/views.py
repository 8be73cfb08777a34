"""Scorecard pages; thin adapters over ``scorecards.cards`` selectors and services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from prm.audit import events_for
from prm.charts import render_svg
from prm.exceptions import DomainError
from prm.paging import querystring
from prm.permissions import require_program_ops

from . import selectors, services
from .forms import CardFilterForm, RatingForm, StartRunForm, TemplateForm, criterion_forms

PAGE_SIZE = 50


def _require_ops(user) -> None:
    require_program_ops(user, _("Only program operations may do this."), error=PermissionDenied)


@login_required
def card_list(request):
    quarters = selectors.quarters_visible_to(request.user)
    filters = CardFilterForm(request.GET or None, quarters=quarters)
    cards = selectors.search_scorecards(request.user, **filters.filters())
    return render(
        request,
        "scorecards/cards/scorecard_list.html",
        {
            "filters": filters,
            "querystring": querystring(request),
            "page_obj": Paginator(cards, PAGE_SIZE).get_page(request.GET.get("page")),
        },
    )


@login_required
def card_detail(request, pk):
    card = selectors.get_scorecard_for_user(request.user, pk)
    may_rate = selectors.may_rate(request.user, card)
    rated = selectors.rated_criteria(card)
    form = RatingForm(criteria=rated)
    status = 200
    if request.method == "POST":
        if not may_rate:
            raise PermissionDenied(_("Only the partner's channel account manager rates it."))
        form = RatingForm(request.POST, criteria=rated)
        if form.is_valid():
            try:
                services.rate_criterion(actor=request.user, scorecard=card, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Rating recorded."))
                return redirect(card)
        status = 400
    internal = request.user.is_program_ops or request.user.is_channel_manager
    summary = selectors.scorecard_summary(card.partner, card.quarter)
    trend = selectors.trend_chart(summary.trend)
    return render(
        request,
        "scorecards/cards/scorecard_detail.html",
        {
            "card": card,
            "summary": summary,
            # Reading the nonce puts it in this response's policy header (django-csp).
            "trend_svg": (
                render_svg(trend, nonce=str(request.csp_nonce)) if len(summary.trend) > 1 else ""
            ),
            "may_rate": may_rate and bool(rated),
            "form": form,
            "events": events_for(card) if internal else [],
        },
        status=status,
    )


@login_required
def focus(request):
    user = request.user
    if not (user.is_channel_manager or user.is_program_ops):
        raise PermissionDenied(_("The focus view is for channel account managers."))
    quarters = selectors.quarters_visible_to(user)
    quarter = request.GET.get("quarter") or (quarters[0] if quarters else "")
    if quarter and quarter not in quarters:
        raise Http404
    return render(
        request,
        "scorecards/cards/focus.html",
        {
            "quarter": quarter,
            "quarters": quarters,
            "grid": selectors.focus_grid(user, quarter=quarter),
            "columns": selectors.HEALTH_ORDER,
        },
    )


# --- Templates (program ops) ----------------------------------------------------------------


@login_required
def template_list(request):
    _require_ops(request.user)
    return render(
        request,
        "scorecards/cards/template_list.html",
        {"templates": selectors.templates_visible_to(request.user)},
    )


@login_required
def template_edit(request, pk=None):
    _require_ops(request.user)
    template = selectors.get_template_for_user(request.user, pk) if pk else None
    data = request.POST if request.method == "POST" else None
    form = TemplateForm(data, instance=template)
    rows = criterion_forms(template, data)
    status = 200
    if data is not None:
        # Validate every row (not stopping at the first error) so each shows its errors.
        rows_valid = [row.is_valid() for row in rows]
        valid = form.is_valid() and all(rows_valid)
        chosen = [row.as_row() for row in rows if row.is_valid() and row.cleaned_data["use"]]
        if valid and not chosen:
            form.add_error(None, _("Use at least one criterion."))
        elif valid:
            try:
                template = services.save_template(
                    actor=request.user, template=template, criteria=chosen, **form.cleaned_data
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Template saved."))
                return redirect("scorecards:template_list")
        status = 400
    return render(
        request,
        "scorecards/cards/template_form.html",
        {
            "template": template,
            "form": form,
            "rows": rows,
            "events": events_for(template) if template else [],
        },
        status=status,
    )


# --- Computing a quarter (program ops) -----------------------------------------------------


@login_required
def run_list(request):
    _require_ops(request.user)
    form = StartRunForm(
        request.POST or None, initial={"quarter": services.current_quarter().label[2:]}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                run = services.start_run(quarter=form.cleaned_data["quarter"], actor=request.user)
            except DomainError as exc:
                form.add_error("quarter", exc.message)
            else:
                return redirect(run)
        status = 400
    runs = Paginator(selectors.runs_visible_to(request.user), PAGE_SIZE)
    return render(
        request,
        "scorecards/cards/run_list.html",
        {"form": form, "page_obj": runs.get_page(request.GET.get("page"))},
        status=status,
    )


@login_required
def run_detail(request, pk):
    _require_ops(request.user)
    run = selectors.get_run_for_user(request.user, pk)
    return render(request, "scorecards/cards/run_detail.html", {"run": run})


@login_required
@require_GET
def run_progress(request, pk):
    _require_ops(request.user)
    run = selectors.get_run_for_user(request.user, pk)
    return render(request, "scorecards/cards/_run_progress.html", {"run": run})
