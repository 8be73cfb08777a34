"""The partner and application lists, their CSV exports, and moving partners to another
channel account manager in bulk. Rows come from the selectors (tenancy); ``prm.lists`` sorts,
filters, pages and exports them."""

from django import forms
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from prm.lists import selected_ids

from . import selectors
from .assignment import reassign_channel_managers
from .fields import partner_label
from .filters import APPLICATION_LIST, PARTNER_LIST
from .models import Application
from .recruitment import selectors as recruitment
from .views import personas_required


class ReassignForm(forms.Form):
    channel_manager = forms.ModelChoiceField(
        label=gettext_lazy("New channel account manager"), queryset=selectors.channel_managers()
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=500)


def _partner_rows(user):
    return selectors.search_partners(user)


@personas_required("cam", "ops", "distributor")
def partner_list(request):
    listing = PARTNER_LIST.run(request, _partner_rows(request.user))
    if listing.wants_export:
        return listing.export()
    reassign = ReassignForm() if request.user.is_program_ops else None
    return render(request, "partners/partner_list.html", listing.context(reassign_form=reassign))


@personas_required("ops")
@require_POST
def partner_bulk_reassign(request):
    """Move the ticked partners to one channel account manager, partner by partner."""
    form = ReassignForm(request.POST)
    ids = selected_ids(request)
    if not ids:
        form.add_error(None, _("Tick at least one partner."))
    if not form.is_valid():
        listing = PARTNER_LIST.run(request, _partner_rows(request.user))
        context = listing.context(reassign_form=form)
        return render(request, "partners/partner_list.html", context, status=400)
    result = reassign_channel_managers(
        actor=request.user,
        ids=ids,
        channel_manager=form.cleaned_data["channel_manager"],
        reason=form.cleaned_data["reason"],
    )
    back = reverse("partners:partner_list")
    return render(request, "prm/bulk_result.html", {"result": result, "back_url": back})


@personas_required("cam", "ops")
def application_list(request):
    # The page opens on the applications waiting for a decision.
    if "status" not in request.GET and not request.GET.get("q"):
        query = request.GET.copy()
        query["status"] = Application.Status.SUBMITTED
        request.GET = query
    listing = APPLICATION_LIST.run(request, recruitment.applications_visible_to(request.user))
    if listing.wants_export:
        return listing.export()
    return render(request, "partners/application_list.html", listing.context())


@personas_required("cam", "ops", "distributor")
def partner_lookup(request):
    """The partner filter's suggestions: partners in the user's scope matching what was typed
    (the filter box sends its own value, under its own name)."""
    text = request.GET.get("q") or request.GET.get("partner") or ""
    return render(
        request,
        "partners/partials/partner_options.html",
        {
            "partners": [
                (partner_label(p), p) for p in selectors.partner_suggestions(request.user, text)
            ]
        },
    )
