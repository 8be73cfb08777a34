"""Lead pages: the partner's inbox (with the time left to accept), the vendor's lead list and
form, and each lead's page with its offer history. Reads go through
``deals.leads.selectors.leads_visible_to`` (out of scope → 404); each action is one call to
``deals.leads.services``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prm.exceptions import DomainError

from .forms_leads import (
    LeadConvertForm,
    LeadForm,
    LeadOfferForm,
    ReasonForm,
    show_domain_error,
)
from .leads import selectors as lead_selectors
from .leads import services as lead_services

PAGE_SIZE = 25


@login_required
def lead_offer_history(request):
    """Every offer made to the user's partner(s), with how each ended."""
    if request.user.is_internal:
        raise Http404
    offers = lead_selectors.offers_visible_to(request.user).order_by("-offered_at", "-pk")
    page = Paginator(offers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "deals/lead_offer_history.html", {"page_obj": page})


@login_required
def lead_create(request):
    if not request.user.is_internal:
        raise Http404
    form = LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lead = lead_services.create_lead(actor=request.user, **form.lead_fields())
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            if form.cleaned_data["route_now"]:
                offer = lead_services.route_lead(lead=lead, actor=request.user)
                if offer is None:
                    messages.warning(
                        request, _("Lead saved. No routing rule matched; offer it by hand.")
                    )
                else:
                    messages.success(
                        request,
                        _("Lead offered to %(partner)s.") % {"partner": offer.partner},
                    )
            else:
                messages.success(request, _("Lead saved."))
            return redirect(lead)
    return render(request, "deals/lead_form.html", {"form": form})


@login_required
def lead_detail(request, pk):
    lead = lead_selectors.get_lead_for_user(request.user, pk)
    user = request.user
    can_manage = lead_selectors.can_manage_lead(user, lead)
    context = {
        "lead": lead,
        "offers": lead_selectors.offer_history(user, lead),
        "can_answer": lead.status == lead.Status.OFFERED
        and lead_selectors.acts_for(user, lead.partner),
        "can_convert": lead.status == lead.Status.ACCEPTED
        and lead_selectors.acts_for(user, lead.partner),
        "can_manage": can_manage,
        "can_route": can_manage and lead.can_move_to(lead.Status.OFFERED),
        "can_close": can_manage and lead.can_move_to(lead.Status.CLOSED),
        "reject_form": ReasonForm(prefix="reject"),
        "close_form": ReasonForm(prefix="close"),
    }
    if context["can_route"]:
        context["offer_form"] = LeadOfferForm(
            partners=lead_selectors.offerable_partners(user, lead)
        )
    return render(request, "deals/lead_detail.html", context)


def _act(request, lead, action, success: str):
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(lead)


@login_required
@require_POST
def lead_accept(request, pk):
    lead = lead_selectors.get_lead_for_user(request.user, pk)
    return _act(
        request,
        lead,
        lambda: lead_services.accept_lead(lead=lead, actor=request.user),
        _("Lead accepted. Convert it into a deal registration when you are ready."),
    )


def _reason_action(request, pk, *, prefix: str, service, success: str, title: str):
    lead = lead_selectors.get_lead_for_user(request.user, pk)
    form = ReasonForm(request.POST or None, prefix=prefix)
    if request.method == "POST" and form.is_valid():
        try:
            service(lead=lead, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, success)
            return redirect(lead)
    return render(request, "deals/lead_reason.html", {"lead": lead, "form": form, "title": title})


@login_required
def lead_reject(request, pk):
    return _reason_action(
        request,
        pk,
        prefix="reject",
        service=lead_services.reject_lead,
        success=_("Lead rejected. Thank you for telling us why."),
        title=_("Reject this lead"),
    )


@login_required
def lead_close(request, pk):
    return _reason_action(
        request,
        pk,
        prefix="close",
        service=lead_services.close_lead,
        success=_("Lead closed."),
        title=_("Close this lead"),
    )


@login_required
def lead_convert(request, pk):
    lead = lead_selectors.get_lead_for_user(request.user, pk)
    if not lead_selectors.acts_for(request.user, lead.partner):
        raise Http404
    form = LeadConvertForm(request.POST or None, initial=LeadConvertForm.initial_for(lead))
    if request.method == "POST" and form.is_valid():
        try:
            registration = lead_services.convert_lead(
                lead=lead, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("The lead is now a deal registration."))
            return redirect(registration)
    return render(request, "deals/lead_convert.html", {"lead": lead, "form": form})


@login_required
@require_POST
def lead_route(request, pk):
    lead = lead_selectors.get_lead_for_user(request.user, pk)
    try:
        offer = lead_services.route_lead(lead=lead, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if offer is None:
            messages.warning(request, _("No routing rule found a partner; offer it by hand."))
        else:
            messages.success(
                request, _("Lead offered to %(partner)s.") % {"partner": offer.partner}
            )
    return redirect(lead)


@login_required
@require_POST
def lead_offer(request, pk):
    lead = lead_selectors.get_lead_for_user(request.user, pk)
    form = LeadOfferForm(request.POST, partners=lead_selectors.offerable_partners(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose a partner to offer the lead to."))
        return redirect(lead)
    partner = form.cleaned_data["partner"]
    return _act(
        request,
        lead,
        lambda: lead_services.offer_lead(lead=lead, partner=partner, actor=request.user),
        _("Lead offered to %(partner)s.") % {"partner": partner},
    )
