"""Spiffs: list, create and edit (dated, threshold, explicit tie rule), and the standing."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from partners.models import Partner
from prm.exceptions import DomainError
from prm.forms import add_domain_errors

from .. import selectors, services
from ..forms import SpiffForm
from ..models import Spiff
from ..spiffs import spiff_standing
from .common import ops_required, page_of


def _spiff(pk) -> Spiff:
    try:
        return selectors.spiffs().get(pk=pk)
    except (Spiff.DoesNotExist, ValueError):
        raise Http404 from None


@ops_required
def spiff_list(request):
    page = page_of(request, selectors.spiffs())
    return render(request, "commissions/ops/spiff_list.html", {"page_obj": page})


@ops_required
def spiff_form(request, pk=None):
    spiff = _spiff(pk) if pk is not None else None
    initial = {name: getattr(spiff, name) for name in SpiffForm.FIELDS} if spiff else {}
    form = SpiffForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_spiff(actor=request.user, spiff=spiff, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Spiff saved."))
            return redirect("deals:commission_spiff_detail", pk=saved.pk)
    return render(
        request,
        "commissions/ops/spiff_form.html",
        {"form": form, "spiff": spiff},
        status=400 if form.errors else 200,
    )


@ops_required
def spiff_detail(request, pk):
    """The spiff's terms and its standing: qualifying deals per partner, leaders and winners."""
    spiff = _spiff(pk)
    standing = spiff_standing(spiff)
    names = dict(Partner.objects.filter(pk__in=standing.counts).values_list("pk", "display_name"))
    rows = sorted(
        (
            (names.get(partner_id, partner_id), count, partner_id in standing.winners,
             partner_id in standing.tied)
            for partner_id, count in standing.counts.items()
        ),
        key=lambda row: (-row[1], str(row[0])),
    )  # fmt: skip
    return render(
        request,
        "commissions/ops/spiff_detail.html",
        {"spiff": spiff, "standing": standing, "rows": rows},
    )
