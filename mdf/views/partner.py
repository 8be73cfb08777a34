"""The partner's side: funds by period, requests with their status, history and to-do list,
the request form, submit and cancel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prm.exceptions import DomainError
from prm.formatting import format_datetime
from prm.forms import add_domain_errors
from prm.money import format_money
from prm.paging import querystring

from ..claims import selectors as claims
from ..forms import (
    ExtensionRequestForm,
    FundRequestForm,
    ReasonForm,
    RequestFilterForm,
)
from ..funds import selectors as funds
from ..ledger.selectors import fund_balance, ledger_of
from ..models import FundRequest
from ..requests import selectors, services
from .common import PAGE_SIZE, act, labelled

Status = FundRequest.Status


def _partner_for_home(request):
    """The partner whose funds the page shows: the user's own organisation (the one picked
    when they belong to several); the vendor side names one in the query string."""
    wanted = request.GET.get("partner", "")
    if wanted and not wanted.isdigit():
        raise Http404
    if request.user.is_internal:
        if not wanted:
            return None
        return get_object_or_404(funds.mdf_partners_visible_to(request.user), pk=wanted)
    partners = selectors.requesting_partners(request.user)
    if wanted:
        return get_object_or_404(partners, pk=wanted)
    partner = partners.first()
    if partner is None:
        raise Http404
    return partner


@login_required
def home(request):
    partner = _partner_for_home(request)
    if partner is None:
        return redirect("mdf:queue")
    requests = selectors.requests_visible_to(request.user).filter(partner=partner)
    return render(
        request,
        "mdf/home.html",
        {
            "partner": partner,
            "balance": funds.partner_balance(partner),
            "eligibility": funds.eligibility(partner),
            "recent": requests.order_by("-created_at", "-pk")[:10],
            "to_claim": selectors.to_claim(requests)[:10],
            "partner_side": funds.acts_for_partner(request.user, partner),
            "other_partners": []
            if request.user.is_internal
            else selectors.requesting_partners(request.user).exclude(pk=partner.pk),
        },
    )


@login_required
def fund_detail(request, pk):
    fund = funds.get_fund_for_user(request.user, pk)
    return render(
        request,
        "mdf/fund_detail.html",
        {"fund": fund, "entries": ledger_of(fund), "balance": fund_balance(fund)},
    )


@login_required
def request_list(request):
    form = RequestFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.search_requests(
        request.user,
        status=filters.get("status", ""),
        query=filters.get("q", ""),
        partner_id=filters.get("partner"),
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "mdf/fundrequest_list.html",
        {
            "filter_form": form,
            "page_obj": page,
            "querystring": querystring(request),
            "filtered": bool(filters and any(filters.values())),
            "can_request": selectors.requesting_partners(request.user).exists(),
        },
    )


def _requesting_or_404(user):
    partners = selectors.requesting_partners(user)
    if not partners.exists():
        raise Http404
    return partners


def _activities_queryset(partner):
    open_ids = [activity.pk for activity in selectors.activity_types_for(partner)]
    return selectors.activity_types().filter(pk__in=open_ids)


@login_required
def request_create(request):
    partners = _requesting_or_404(request.user)
    chosen = partners.first()
    wanted = request.POST.get("partner") or request.GET.get("partner")
    if wanted and str(wanted).isdigit():
        chosen = partners.filter(pk=wanted).first() or chosen
    activities = _activities_queryset(chosen)
    form = FundRequestForm(
        request.POST or None, partners=partners, activities=activities, partner=chosen
    )
    if request.method == "POST" and form.is_valid():
        partner = form.cleaned_data.get("partner") or chosen
        try:
            fund_request = services.create_request(
                actor=request.user,
                partner=partner,
                submit=request.POST.get("action") != "draft",
                **form.service_fields(),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            _say_saved(request, fund_request)
            return redirect(fund_request)
    return render(request, "mdf/fundrequest_form.html", _form_context(form, chosen, None))


def _form_context(form, partner, fund_request):
    return {
        "form": form,
        "partner": partner,
        "fund_request": fund_request,
        "menu": form.fields["activity_type"].queryset,
        "eligibility": funds.eligibility(partner),
        "balance": funds.partner_balance(partner),
    }


def _say_saved(request, fund_request):
    if fund_request.status == Status.SUBMITTED:
        messages.success(
            request,
            _("Request submitted. A decision is due by %(due)s.")
            % {"due": format_datetime(fund_request.decision_due_at)},
        )
        available = funds.partner_balance(fund_request.partner).requestable
        if fund_request.requested_amount > available:
            messages.warning(
                request,
                _("You asked for %(asked)s and the fund has %(available)s available now: it can "
                  "be approved for no more than the fund holds when it is decided.")
                % {"asked": format_money(fund_request.requested_amount, fund_request.currency),
                   "available": format_money(available, fund_request.currency)},
            )  # fmt: skip
    else:
        messages.success(request, _("Draft saved. Submit it when it is complete."))


@login_required
def request_edit(request, pk):
    fund_request = selectors.get_request_for_user(request.user, pk)
    if not funds.acts_for_partner(request.user, fund_request.partner):
        raise Http404
    if not fund_request.is_editable:
        messages.error(request, _("Only drafts and returned requests can be changed."))
        return redirect(fund_request)
    activities = _activities_queryset(fund_request.partner)
    form = FundRequestForm(request.POST or None, activities=activities, request=fund_request)
    if request.method == "POST" and form.is_valid():
        try:
            fund_request = services.update_request(
                actor=request.user, request=fund_request, **form.service_fields()
            )
            if request.POST.get("action") != "draft":
                fund_request = services.submit_request(actor=request.user, request=fund_request)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            _say_saved(request, fund_request)
            return redirect(fund_request)
    context = _form_context(form, fund_request.partner, fund_request)
    return render(request, "mdf/fundrequest_form.html", context)


@login_required
def request_detail(request, pk):
    fund_request = selectors.get_request_for_user(request.user, pk)
    return render(request, "mdf/fundrequest_detail.html", detail_context(request, fund_request))


def detail_context(request, fund_request, **forms) -> dict:
    user = request.user
    partner_side = funds.acts_for_partner(user, fund_request.partner)
    claim = claims.claim_of(fund_request)
    extensions = list(
        claims.extensions_visible_to(user)
        .filter(request=fund_request)
        .select_related("requested_by", "decided_by")
    )
    status = fund_request.status
    return {
        "fund_request": fund_request,
        "claim": claim,
        "proof_files": list(claim.proof_files.all()) if claim else [],
        "history": labelled(selectors.history_of(fund_request).select_related("actor")),
        "missing": selectors.what_is_missing(fund_request) if partner_side else None,
        "extensions": extensions,
        "partner_side": partner_side,
        "can_edit": partner_side and fund_request.is_editable,
        "can_submit": partner_side and fund_request.is_editable,
        "can_cancel": (partner_side or funds.can_decide_for(user, fund_request.partner))
        and fund_request.can_move_to(Status.CANCELLED),
        "can_decide": selectors.can_decide(user, fund_request),
        "can_claim": partner_side and status in FundRequest.CLAIMABLE_STATES,
        "can_review_claim": status == Status.CLAIM_SUBMITTED
        and funds.can_decide_for(user, fund_request.partner),
        "can_request_extension": partner_side
        and status in FundRequest.CLAIMABLE_STATES
        and not any(e.status == e.Status.PENDING for e in extensions),
        "cancel_form": ReasonForm(),
        "extension_form": forms.get("extension_form") or ExtensionRequestForm(),
        "overdue": selectors.is_overdue(fund_request),
    }


@login_required
@require_POST
def request_submit(request, pk):
    fund_request = selectors.get_request_for_user(request.user, pk)
    try:
        fund_request = services.submit_request(actor=request.user, request=fund_request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _say_saved(request, fund_request)
    return redirect(fund_request)


@login_required
@require_POST
def request_cancel(request, pk):
    fund_request = selectors.get_request_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    return act(
        request,
        fund_request,
        lambda: services.cancel_request(
            actor=request.user, request=fund_request, reason=form.cleaned_data.get("reason", "")
        ),
        _("Request cancelled; any reserved funds are available again."),
    )
