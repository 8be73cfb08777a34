"""The deal app's list pages (registrations, review queue, leads, imports) with their CSV
exports and bulk actions. Rows come from the selectors, which enforce tenancy; ``prm.lists``
sorts, filters, pages and exports them; each bulk action calls the row's service once per row.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from prm.lists import Listing, selected_ids

from . import selectors
from .filters import DEAL_IMPORT_LIST, DEAL_LIST, LEAD_LIST, QUEUE_LIST
from .forms_leads import PartnerChoiceField
from .leads import selectors as lead_selectors
from .leads.bulk import offer_leads
from .services.bulk_decisions import decide_registrations
from .views import _internal_or_404


def _show(request, listing: Listing, template: str, **context):
    if listing.wants_export:
        return listing.export()
    return render(request, template, listing.context(**context))


# --- Registrations -----------------------------------------------------------------------------


@login_required
def deal_list(request):
    listing = DEAL_LIST.run(request, selectors.deals_visible_to(request.user))
    return _show(
        request,
        listing,
        "deals/dealregistration_list.html",
        can_register=selectors.registrable_partners(request.user).exists(),
    )


# --- Review queue and its bulk decision --------------------------------------------------------


class BulkDecisionForm(forms.Form):
    APPROVE, REJECT = "approve", "reject"
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[(APPROVE, gettext_lazy("Approve")), (REJECT, gettext_lazy("Reject"))],
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (sent to each partner)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.REJECT and not data.get("reason", "").strip():
            self.add_error("reason", _("Give the partners a reason for the rejection."))
        return data


@login_required
def review_queue(request):
    _internal_or_404(request.user)
    listing = QUEUE_LIST.run(request, selectors.review_queue(request.user))
    return _show(
        request,
        listing,
        "deals/dealregistration_queue.html",
        pending_extensions=selectors.pending_extensions(request.user).count(),
        bulk_form=BulkDecisionForm(),
    )


@login_required
@require_POST
def review_bulk(request):
    """Approve or reject the ticked registrations with one reason; each goes through the same
    service as a single decision, in its own savepoint, and the page says how each ended."""
    _internal_or_404(request.user)
    form = BulkDecisionForm(request.POST)
    ids = selected_ids(request)
    if not ids:
        form.add_error(None, _("Tick at least one registration."))
    if not form.is_valid():
        listing = QUEUE_LIST.run(request, selectors.review_queue(request.user))
        context = listing.context(
            pending_extensions=selectors.pending_extensions(request.user).count(),
            bulk_form=form,
        )
        return render(request, "deals/dealregistration_queue.html", context, status=400)
    result = decide_registrations(
        actor=request.user,
        ids=ids,
        approve=form.cleaned_data["decision"] == form.APPROVE,
        reason=form.cleaned_data["reason"],
    )
    return render(
        request,
        "prm/bulk_result.html",
        {"result": result, "back_url": reverse("deals:review_queue")},
    )


# --- Leads and their bulk offer ----------------------------------------------------------------


class BulkOfferForm(forms.Form):
    partner = PartnerChoiceField(label=gettext_lazy("Offer to"), queryset=None)

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners


@login_required
def lead_list(request):
    """Partners: their inbox. Vendor staff: every lead in scope, with a bulk offer."""
    user = request.user
    listing = LEAD_LIST.run(request, lead_selectors.leads_visible_to(user))
    offer_form = (
        BulkOfferForm(partners=lead_selectors.offerable_partners(user))
        if user.is_internal
        else None
    )
    return _show(
        request, listing, "deals/lead_list.html", is_vendor=user.is_internal, offer_form=offer_form
    )


@login_required
@require_POST
def lead_bulk_offer(request):
    """Offer the ticked leads to one partner, lead by lead through ``offer_lead``."""
    user = request.user
    if not user.is_internal:
        raise Http404
    form = BulkOfferForm(request.POST, partners=lead_selectors.offerable_partners(user))
    ids = selected_ids(request)
    if not ids:
        form.add_error(None, _("Tick at least one lead."))
    if not form.is_valid():
        listing = LEAD_LIST.run(request, lead_selectors.leads_visible_to(user))
        context = listing.context(is_vendor=True, offer_form=form)
        return render(request, "deals/lead_list.html", context, status=400)
    result = offer_leads(actor=user, ids=ids, partner=form.cleaned_data["partner"])
    return render(
        request, "prm/bulk_result.html", {"result": result, "back_url": reverse("deals:lead_list")}
    )


# --- Imports -----------------------------------------------------------------------------------


@login_required
def import_list(request):
    listing = DEAL_IMPORT_LIST.run(
        request, selectors.imports_visible_to(request.user).defer("report")
    )
    return _show(
        request,
        listing,
        "deals/dealimport_list.html",
        can_import=selectors.registrable_partners(request.user).exists(),
    )
