"""Portal pages of the partner program: partners, tiers, and the helpers the other
page modules share (``views_recruitment``, ``views_team``). Each view parses input, calls one
selector or service and renders; the rules live in ``services.py``, the scope in
``selectors.py``."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from prm import exceptions as domain
from prm.audit import events_for

from . import forms, selectors, services
from .context_processors import personas_for
from .models import Partner
from .recruitment import selectors as recruitment
from .recruitment import services as recruitment_services

PAGE_SIZE = 25

# Timeline wording for the audit verbs of this app; other verbs are shown as recorded.
EVENT_LABELS = {
    "partner.applied": gettext_lazy("Applied to the program"),
    "partner.status_changed": gettext_lazy("Status changed"),
    "partner.tier_changed": gettext_lazy("Tier changed"),
    "partner.qualified": gettext_lazy("Scale, Skill and Will assessed"),
    "partner.user_invited": gettext_lazy("User invited"),
    "partner.user_joined": gettext_lazy("User joined"),
    "partner.invitation_revoked": gettext_lazy("Invitation revoked"),
    "partner.user_removed": gettext_lazy("User removed"),
    "partner.member_changed": gettext_lazy("Member's role or office changed"),
    "partner.profile_changed": gettext_lazy("Profile changed"),
    "partner.agreement_accepted": gettext_lazy("Agreement accepted"),
    "partner.channel_manager_changed": gettext_lazy("Channel account manager changed"),
    "partner.external_id": gettext_lazy("CRM id changed"),
    "partner.mfa_required": gettext_lazy("Two-factor sign-in required"),
    "partner.mfa_optional": gettext_lazy("Two-factor sign-in made optional"),
    "tier_review.warned": gettext_lazy("Warned: below its tier's requirements"),
    "application.approved": gettext_lazy("Application approved"),
    "application.declined": gettext_lazy("Application declined"),
}


def personas_required(*allowed: str):
    """Login, then 403 for personas the page is not for (a role page, not an object lookup)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not personas_for(request.user) & set(allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def show_domain_error(form, error: domain.DomainError) -> None:
    """Show a service's refusal on the form: field details beside their fields, the rest on top."""
    if isinstance(error, domain.PermissionDenied):
        raise PermissionDenied(error.message) from error
    details = error.details or {}
    placed = [name for name in details if name in form.fields]
    for name in placed:
        form.add_error(name, str(details[name]))
    if not placed:
        form.add_error(None, error.message)
        return
    # Every reason at once: the ones without a field of their own go on top.
    for name, message in details.items():
        if name not in form.fields:
            form.add_error(None, str(message))


def paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def timeline(*objects) -> list:
    """The audit rows of the objects, newest first, each with a readable ``label``."""
    events = [event for obj in objects for event in events_for(obj)[:50]]
    for event in events:
        event.label = EVENT_LABELS.get(event.verb, event.verb)
    return sorted(events, key=lambda e: (e.created_at, e.pk), reverse=True)


# --- Home page helpers (the home pages themselves live in the ``home`` package) -------------


def agreement_context(user, partner: Partner) -> dict:
    """The agreement banner: shown until the partner has accepted the current version."""
    agreement = selectors.current_agreement()
    pending = agreement is not None and not selectors.has_accepted_current_agreement(partner)
    return {
        "agreement": agreement if pending else None,
        "can_accept_agreement": pending and partner.pk in selectors.partner_access(user).admin_of,
    }


# --- Partners (internal staff and distributors) ----------------------------------------------


@login_required
def partner_detail(request, pk):
    partner = selectors.get_partner_for_user(request.user, pk)
    return render_partner_detail(request, partner)


def render_partner_detail(request, partner: Partner, *, status=200, **bound_forms):
    user = request.user
    internal = user.is_internal
    can_manage = selectors.can_administer_partner(user, partner)
    context = {
        "partner": partner,
        "offices": partner.offices.all(),
        "team": selectors.team_of(partner),
        "resellers": partner.resellers.select_related("tier") if partner.is_distributor else [],
        "tier_history": selectors.tier_history_for(partner)[:20],
        "is_internal": internal,
        "can_manage": can_manage,
        "invitations": selectors.open_invitations_for(partner) if can_manage else [],
        "invite_form": bound_forms.get("invite_form") or forms.InviteUserForm(partner=partner),
    }
    if internal:
        context |= {
            "qualifications": recruitment.qualifications_for(partner),
            "events": timeline(partner)[:50],
            "qualify_form": bound_forms.get("qualify_form") or forms.QualificationForm(),
        }
    if user.is_program_ops:
        context |= {
            "status_form": bound_forms.get("status_form")
            or forms.PartnerStatusForm(partner=partner),
            "tier_form": bound_forms.get("tier_form")
            or forms.PartnerTierForm(partner=partner, initial={"tier": partner.tier}),
        }
    return render(request, "partners/partner_detail.html", context, status=status)


@require_POST
@personas_required("cam", "ops")
def partner_qualify(request, pk):
    partner = selectors.get_partner_for_user(request.user, pk)
    form = forms.QualificationForm(request.POST)
    if form.is_valid():
        try:
            recruitment_services.qualify_partner(
                partner=partner, actor=request.user, **form.cleaned_data
            )
        except domain.DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Assessment saved."))
            return redirect(partner)
    return render_partner_detail(request, partner, qualify_form=form, status=400)


@require_POST
@personas_required("ops")
def partner_status(request, pk):
    partner = selectors.get_partner_for_user(request.user, pk)
    form = forms.PartnerStatusForm(request.POST, partner=partner)
    if form.is_valid():
        try:
            services.change_partner_status(
                partner=partner,
                actor=request.user,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
            )
        except domain.DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Status changed."))
            return redirect(partner)
    return render_partner_detail(request, partner, status_form=form, status=400)


@require_POST
@personas_required("ops")
def partner_tier(request, pk):
    partner = selectors.get_partner_for_user(request.user, pk)
    form = forms.PartnerTierForm(request.POST, partner=partner)
    if form.is_valid():
        services.set_partner_tier(
            partner=partner,
            tier=form.cleaned_data["tier"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("Tier changed."))
        return redirect(partner)
    return render_partner_detail(request, partner, tier_form=form, status=400)


# --- Tiers -------------------------------------------------------------------------------------


@login_required
def tier_list(request):
    membership = selectors.primary_membership(request.user)
    return render(
        request,
        "partners/tier_list.html",
        {
            "tiers": selectors.tiers_for_display(),
            "current_tier_id": membership.partner.tier_id if membership else None,
        },
    )
