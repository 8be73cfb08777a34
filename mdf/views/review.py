"""The vendor's side: the decision queue with due times (the CAM for their partners; program
ops for everything, including the requests above the threshold), request decisions, claim
reviews and claim extension decisions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prm.exceptions import DomainError
from prm.forms import add_domain_errors

from ..claims import selectors as claims
from ..claims import services as claim_services
from ..forms import (
    AmountDecisionForm,
    ClaimReviewForm,
    ExtensionDecisionForm,
    RequestDecisionForm,
    error_text,
)
from ..funds import selectors as funds
from ..models import FundRequest
from ..requests import selectors, services
from .common import PAGE_SIZE, internal_or_404, labelled

Status = FundRequest.Status


@login_required
def queue(request):
    internal_or_404(request.user)
    page = Paginator(selectors.decision_queue(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "mdf/queue.html",
        {
            "page_obj": page,
            "now": timezone.now(),
            "claims_waiting": claims.claim_queue(request.user).count(),
            "extensions_waiting": claims.pending_extensions(request.user).count(),
            "active": "requests",
        },
    )


def _decide(form: AmountDecisionForm, actor, fund_request, *, approve, give_back, refuse) -> None:
    """Run the service matching the reviewer's answer on a request or its claim."""
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    if decision == form.APPROVE:
        amount = form.cleaned_data["approved_amount"]
        approve(actor=actor, request=fund_request, amount=amount, reason=reason)
    elif decision == form.RETURN:
        give_back(actor=actor, request=fund_request, reason=reason)
    else:
        refuse(actor=actor, request=fund_request, reason=reason)


@login_required
def request_decide(request, pk):
    fund_request = selectors.get_request_for_user(request.user, pk)
    if not request.user.is_internal:
        raise Http404
    # Program ops start from what the channel account manager approved.
    initial = (
        {"approved_amount": fund_request.approved_amount} if fund_request.approved_amount else {}
    )
    form = RequestDecisionForm(
        request.POST or None, asked=fund_request.requested_amount, initial=initial
    )
    can_decide = selectors.can_decide(request.user, fund_request)
    if request.method == "POST" and form.is_valid():
        try:
            _decide(
                form,
                request.user,
                fund_request,
                approve=services.approve_request,
                give_back=services.return_request,
                refuse=services.deny_request,
            )
        except DomainError as exc:
            add_domain_errors(form, exc, {"amount": "approved_amount"})
        else:
            messages.success(request, _("Decision recorded; the partner is notified."))
            return redirect("mdf:queue")
    return render(
        request,
        "mdf/fundrequest_decide.html",
        {
            "fund_request": fund_request,
            "form": form,
            "can_decide": can_decide,
            "balance": funds.partner_balance(fund_request.partner),
            "history": labelled(selectors.history_of(fund_request).select_related("actor")),
            "overdue": selectors.is_overdue(fund_request),
        },
        status=400 if form.errors else 200,
    )


@login_required
def claim_queue(request):
    internal_or_404(request.user)
    page = Paginator(claims.claim_queue(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "mdf/claim_queue.html",
        {
            "page_obj": page,
            "decisions_waiting": selectors.decision_queue(request.user).count(),
            "extensions_waiting": claims.pending_extensions(request.user).count(),
            "active": "claims",
        },
    )


@login_required
def claim_review(request, pk):
    fund_request = selectors.get_request_for_user(request.user, pk)
    if not request.user.is_internal:
        raise Http404
    claim = claims.claim_of(fund_request)
    if claim is None:
        raise Http404
    form = ClaimReviewForm(request.POST or None, asked=claim.claimed_amount)
    if request.method == "POST" and form.is_valid():
        try:
            _decide(
                form,
                request.user,
                fund_request,
                approve=claim_services.approve_claim,
                give_back=claim_services.return_claim,
                refuse=claim_services.reject_claim,
            )
        except DomainError as exc:
            add_domain_errors(form, exc, {"amount": "approved_amount"})
        else:
            messages.success(request, _("Claim decision recorded; the partner is notified."))
            return redirect("mdf:claim_queue")
    return render(
        request,
        "mdf/claim_review.html",
        {
            "fund_request": fund_request,
            "claim": claim,
            "proof_files": list(claim.proof_files.all()),
            "registrations": list(claim.registrations.all()),
            "form": form,
            "can_decide": claims.can_decide_claim(request.user, fund_request),
            "history": labelled(selectors.history_of(fund_request).select_related("actor")),
        },
        status=400 if form.errors else 200,
    )


@login_required
def extension_queue(request):
    internal_or_404(request.user)
    rows = claims.pending_extensions(request.user).select_related("requested_by")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "mdf/extension_queue.html",
        {
            "page_obj": page,
            "decisions_waiting": selectors.decision_queue(request.user).count(),
            "claims_waiting": claims.claim_queue(request.user).count(),
            "active": "extensions",
        },
    )


@login_required
@require_POST
def extension_decide(request, pk):
    extension = claims.get_extension_for_user(request.user, pk)
    if not request.user.is_internal:
        raise Http404
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, error_text(form))
        return redirect("mdf:extension_queue")
    try:
        claim_services.decide_extension(
            actor=request.user,
            extension=extension,
            approve=form.cleaned_data["approve"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Extension decision recorded; the partner is notified."))
    return redirect("mdf:extension_queue")
