"""Per-deal overrides: the ops queue of below-floor requests, and the small form with which a
deal's channel account manager (or ops) asks for one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deals import selectors as deal_selectors
from prm.exceptions import DomainError
from prm.forms import add_domain_errors

from .. import ops_selectors, selectors
from ..forms import OverrideDecisionForm, OverrideRequestForm
from ..models import CommissionOverride
from ..overrides import decide_override, override_deal
from .common import ops_required, page_of


@ops_required
def override_queue(request):
    page = page_of(request, selectors.pending_overrides().order_by("created_at", "id"))
    return render(
        request,
        "commissions/ops/override_queue.html",
        {"page_obj": page, "form": OverrideDecisionForm()},
    )


@ops_required
@require_POST
def override_decide(request, pk):
    override = ops_selectors.get_override(request.user, pk)
    form = OverrideDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
        return redirect("deals:commission_override_queue")
    approve = form.cleaned_data["decision"] == OverrideDecisionForm.APPROVE
    try:
        decide_override(
            actor=request.user, override=override, approve=approve,
            reason=form.cleaned_data["reason"],
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Override approved.") if approve else _("Override refused."))
    return redirect("deals:commission_override_queue")


@login_required
def override_request(request, deal_pk):
    """Ask for (or, at or above the floor, set) a per-deal rate or fee: the deal's channel
    account manager or ops; 404 for anyone else."""
    deal = deal_selectors.get_deal_for_review(request.user, deal_pk)
    rule = selectors.floor_for_deal(deal)
    form = OverrideRequestForm(request.POST or None, rule=rule) if rule else None
    if form is not None and request.method == "POST" and form.is_valid():
        value = form.cleaned_data["value"]
        try:
            override = override_deal(
                actor=request.user, deal=deal, reason=form.cleaned_data["reason"],
                rate=None if rule.is_flat else value, amount=value if rule.is_flat else None,
            )  # fmt: skip
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            if override.status == CommissionOverride.Status.PENDING:
                messages.warning(
                    request,
                    _("This is below the floor: it applies once program ops approve it."),
                )
            else:
                messages.success(request, _("Override applied."))
            return redirect(deal)
    current = CommissionOverride.objects.filter(deal=deal).select_related("rule").first()
    return render(
        request,
        "commissions/ops/override_request.html",
        {"deal": deal, "rule": rule, "form": form, "current": current},
        status=400 if form is not None and form.errors else 200,
    )
