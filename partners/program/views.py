"""The "Program" area for program ops: the overview, tiers with their requirements and the
live preview, agreements and channel teams. Each view parses a form, calls one service of
``services.py`` and renders; the history beside each form is read through ``selectors``.
Deal and enablement settings have their pages in their own apps, under the same /program/."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prm import exceptions as domain
from prm.models import ChannelTeam

from ..models import Tier, TierRequirement
from ..views import personas_required
from . import selectors, services
from .forms import AgreementForm, ChannelTeamForm, RequirementFormSet, TierForm, requirement_initial

ops_only = personas_required("ops")


def show_domain_error(form, error: domain.DomainError) -> None:
    """A service's refusal on the form: each detail beside its field (a detail may be a list
    of messages), the rest on top."""
    if isinstance(error, domain.PermissionDenied):
        raise PermissionDenied(error.message) from error
    placed = False
    for name, found in (error.details or {}).items():
        if name in form.fields:
            for message in found if isinstance(found, list | tuple) else [found]:
                form.add_error(name, str(message))
            placed = True
    if not placed:
        form.add_error(None, error.message)


def form_page(request, *, form, title, intro="", back_url="", history=None, delete_url=""):
    """The shared page of a single configuration form with the object's history."""
    return render(
        request,
        "program/form.html",
        {
            "form": form,
            "title": title,
            "intro": intro,
            "back_url": back_url,
            "history": history,
            "delete_url": delete_url,
        },
    )


@ops_only
def index(request):
    return render(
        request,
        "program/index.html",
        {
            "tiers": selectors.tiers_with_counts(),
            "teams": selectors.teams_with_counts(),
            "unserved": selectors.unserved_business_models(),
            "to_accept": selectors.partners_to_accept(),
        },
    )


# --- Tiers -------------------------------------------------------------------------------------


@ops_only
def tier_list(request):
    return render(request, "program/tier_list.html", {"tiers": selectors.tiers_with_counts()})


@ops_only
def tier_edit(request, pk=None):
    tier = get_object_or_404(Tier, pk=pk) if pk else None
    form = TierForm(request.POST or None, instance=tier)
    formset = RequirementFormSet(
        request.POST or None,
        prefix="req",
        initial=None if request.POST else requirement_initial(tier),
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = [row for row in (f.row() for f in formset.forms) if row is not None]
        values = {name: form.cleaned_data[name] for name in services.TIER_FIELDS}
        try:
            tier = services.save_tier(actor=request.user, tier=tier, requirements=rows, **values)
        except domain.DomainError as error:
            _show_tier_error(form, formset, error)
        else:
            messages.success(request, _("Tier “%(name)s” saved.") % {"name": tier.name})
            return redirect("program:tier_edit", pk=tier.pk)
    return render(
        request,
        "program/tier_form.html",
        {
            "tier": tier,
            "form": form,
            "formset": formset,
            "history": selectors.history_for(tier) if tier else None,
            "preview": _preview(tier, form, formset) if request.method == "POST" else None,
        },
    )


def _show_tier_error(form, formset, error: domain.DomainError) -> None:
    details = dict(error.details or {})
    problem = details.pop("requirements", None)
    if problem:
        formset._non_form_errors = formset.error_class([problem])
    error.details = details
    if details or not problem:
        show_domain_error(form, error)


@ops_only
def tier_preview(request, pk=None):
    """The htmx fragment: partners meeting each tier under the requirements being edited."""
    tier = get_object_or_404(Tier, pk=pk) if pk else None
    form = TierForm(request.POST or None, instance=tier)
    formset = RequirementFormSet(request.POST or None, prefix="req")
    form.is_valid()
    formset.is_valid()
    return render(
        request, "program/partials/tier_preview.html", {"preview": _preview(tier, form, formset)}
    )


def _preview(tier, form, formset):
    """Requirements as edited (valid rows only) on an unsaved copy of the tier."""
    draft = Tier(pk=tier.pk if tier else None, name=_("This tier"), rank=0)
    if tier is not None:
        draft.name, draft.rank = tier.name, tier.rank
    data = getattr(form, "cleaned_data", {}) or {}
    draft.name = data.get("name") or draft.name
    draft.rank = data.get("rank") if data.get("rank") is not None else draft.rank
    requirements = []
    for sub in formset.forms:
        row = sub.row() if getattr(sub, "cleaned_data", None) is not None else None
        if row is not None:
            requirements.append(
                TierRequirement(tier=draft, metric=row.metric, threshold=row.threshold)
            )
    return selectors.tier_preview(draft, requirements)


@ops_only
@require_POST
def tier_delete(request, pk):
    tier = get_object_or_404(Tier, pk=pk)
    try:
        services.delete_tier(actor=request.user, tier=tier)
    except domain.DomainError as error:
        messages.error(request, error.message)
        return redirect("program:tier_edit", pk=pk)
    messages.success(request, _("Tier removed."))
    return redirect("program:tier_list")


# --- Agreements --------------------------------------------------------------------------------


@ops_only
def agreement_list(request):
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.publish_agreement(
                actor=request.user, **{k: form.cleaned_data[k] for k in services.AGREEMENT_FIELDS}
            )
        except domain.DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Version %(v)s published; partners will be asked to accept it.")
                % {"v": agreement.version},
            )
            return redirect("program:agreement_list")
    rows = selectors.agreement_rows()
    return render(
        request,
        "program/agreement_list.html",
        {
            "form": form,
            "rows": rows,
            "to_accept": selectors.partners_to_accept(),
            "history": [e for row in rows[:3] for e in selectors.history_for(row.agreement)],
        },
    )


# --- Channel teams -----------------------------------------------------------------------------


@ops_only
def team_list(request):
    return render(
        request,
        "program/team_list.html",
        {"teams": selectors.teams_with_counts(), "unserved": selectors.unserved_business_models()},
    )


@ops_only
def team_edit(request, pk=None):
    team = get_object_or_404(ChannelTeam, pk=pk) if pk else None
    form = ChannelTeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.save_channel_team(
                actor=request.user,
                team=team,
                **{k: form.cleaned_data[k] for k in services.TEAM_FIELDS},
            )
        except domain.DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Team “%(name)s” saved.") % {"name": team.name})
            return redirect("program:team_edit", pk=team.pk)
    return form_page(
        request,
        form=form,
        title=team.name if team else _("New channel team"),
        intro=_(
            "An internal team aligned to a partner segment; it serves the business models "
            "ticked below."
        ),
        back_url=reverse("program:team_list"),
        history=selectors.history_for(team) if team else None,
    )
