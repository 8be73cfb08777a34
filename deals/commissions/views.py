"""Commission pages for partners (what they are owed, their lines, statements and payouts),
their channel account managers and program ops (who see the same pages across their partners).

Every read goes through ``selectors``: a partner user sees only its own partner's commissions,
and anything outside the user's scope is a 404. Program ops' pages (runs, plans, approvals,
payouts) live in ``views_ops``.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from deals.selectors import registrable_partners
from prm.paging import querystring

from . import exports, pdf, selectors
from .forms_partner import LineFilterForm, PartnerStatementFilterForm

PAGE_SIZE = 50


def _filter_form(request, form_class):
    user = request.user
    return form_class(
        request.GET or None,
        partners=selectors.commission_partners(
            user, with_statements=True, including=request.GET.get("partner")
        ),
        periods=selectors.line_periods(user),
    )


@login_required
@require_GET
def overview(request):
    """What the partner is owed right now: per currency, with held lines and the date each
    becomes payable, and the clawbacks behind a negative balance."""
    user = request.user
    # Staff pick among the partners with statements; a member of several partners among them.
    partners = selectors.commission_partners(user, with_statements=user.is_internal)
    partner = selectors.focus_partner(user, request.GET.get("partner"))
    statements = selectors.statements_visible_to(user)
    payouts = selectors.payouts_visible_to(user)
    if partner is not None:
        statements, payouts = statements.filter(partner=partner), payouts.filter(partner=partner)
    context = {
        "partner": partner,
        "show_partner": partner is None,
        "partners": partners if user.is_internal or partners.count() > 1 else None,
        "balances": selectors.balances_of(partner) if partner else [],
        "held": list(selectors.held_lines(partner)) if partner else [],
        "statements": list(statements[:6]),
        "payouts": list(payouts[:6]),
        "today": timezone.localdate(),
    }
    return render(request, "commissions/overview.html", context)


def _lines(request):
    form = _filter_form(request, LineFilterForm)
    if form.is_bound and not form.is_valid():
        return form, None
    filters = form.filters()
    lines = selectors.lines_visible_to(
        request.user, period=filters.get("period"), status=filters.get("status")
    )
    if filters.get("partner"):
        lines = lines.filter(partner=filters["partner"])
    return form, lines


@login_required
@require_GET
def line_list(request):
    form, lines = _lines(request)
    page = Paginator(lines if lines is not None else [], PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "commissions/line_list.html",
        {
            "filter_form": form,
            "page_obj": page,
            "querystring": querystring(request),
            "filtered": bool(form.is_bound),
        },
        status=200 if lines is not None else 400,
    )


def _csv_response(rows, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        exports.csv_lines(rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def lines_csv(request):
    """The filtered lines of the list page, every one of them, streamed."""
    form, lines = _lines(request)
    if lines is None:
        errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items())
        return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return _csv_response(exports.line_rows(lines), f"commission-lines-{stamp}.csv")


@login_required
@require_GET
def statement_list(request):
    form = _filter_form(request, PartnerStatementFilterForm)
    valid = not form.is_bound or form.is_valid()
    statements = None
    if valid:
        filters = form.filters()
        statements = selectors.statements_visible_to(
            request.user, period=filters.get("period"), status=filters.get("status")
        )
        if filters.get("partner"):
            statements = statements.filter(partner=filters["partner"])
    page = Paginator(statements if statements is not None else [], PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    totals = selectors.period_line_totals(list(page.object_list))
    return render(
        request,
        "commissions/statement_list.html",
        {
            "filter_form": form,
            "page_obj": page,
            "rows": [(statement, totals[statement.pk]) for statement in page.object_list],
            "querystring": querystring(request),
            "filtered": bool(form.is_bound),
        },
        status=200 if valid else 400,
    )


@login_required
@require_GET
def statement_detail(request, pk):
    statement = selectors.get_statement_for_user(request.user, pk)
    return render(
        request,
        "commissions/statement_detail.html",
        {
            "statement": statement,
            "totals": selectors.statement_totals(statement),
            "lines": list(selectors.statement_lines(statement)),
            "payouts": selectors.statement_payouts(statement),
        },
    )


@login_required
@require_GET
def statement_pdf(request, pk):
    statement = selectors.get_statement_for_user(request.user, pk)
    response = HttpResponse(pdf.statement_pdf(statement), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{pdf.statement_filename(statement, "pdf")}"'
    )
    return response


@login_required
@require_GET
def statement_csv(request, pk):
    statement = selectors.get_statement_for_user(request.user, pk)
    rows = exports.statement_detail_rows(
        statement,
        selectors.statement_totals(statement),
        selectors.statement_lines(statement),
        selectors.statement_payouts(statement),
    )
    return _csv_response(rows, pdf.statement_filename(statement, "csv"))


@login_required
@require_GET
def payout_list(request):
    payouts = selectors.payouts_visible_to(request.user)
    partner = selectors.focus_partner(request.user, request.GET.get("partner"))
    if partner is not None:
        payouts = payouts.filter(partner=partner)
    page = Paginator(payouts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "commissions/payout_list.html",
        {
            "page_obj": page,
            "partner": partner,
            "show_partner": partner is None,
            "querystring": querystring(request),
        },
    )


@login_required
@require_GET
def preview(request):
    """htmx: what the registration being typed would earn, partner-led versus vendor-assisted."""
    partners = registrable_partners(request.user)
    partner_id = request.GET.get("partner", "")
    if not partner_id:
        partner = partners.first()
    elif partner_id.isdigit():
        partner = partners.filter(pk=partner_id).first()
    else:
        partner = None
    if partner is None:
        raise Http404
    previews = selectors.preview_registration(
        partner,
        amount=request.GET.get("estimated_amount", ""),
        currency=request.GET.get("currency", ""),
        sourcing=request.GET.get("sourcing", ""),
        product_lines=request.GET.get("product_lines", ""),
    )
    return render(
        request,
        "commissions/partials/preview.html",
        {
            "previews": previews,
            "has_amount": any(p.amount is not None for p in previews),
            "any_rule": any(p.rule is not None for p in previews),
        },
    )
