"""Portal pages of the partner program. Each view parses input, calls one selector or service and
renders; the rules live in ``services.py`` and the scope in ``selectors.py``."""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from prm import exceptions as domain
from prm.audit import events_for

from . import forms, selectors, services
from .context_processors import personas_for
from .models import Application, Partner

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
    "partner.agreement_accepted": gettext_lazy("Agreement accepted"),
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


def _apply_domain_error(form, error: domain.DomainError) -> None:
    """Show a service's refusal on the form: field details beside their fields, the rest on top."""
    if isinstance(error, domain.PermissionDenied):
        raise PermissionDenied(error.message) from error
    placed = False
    for name, message in (error.details or {}).items():
        if name in form.fields:
            form.add_error(name, str(message))
            placed = True
    if not placed:
        form.add_error(None, error.message)


def _paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _querystring(request) -> str:
    """The current filters, without the page number, for the pagination links."""
    return urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])


# --- Home pages ----------------------------------------------------------------------------------


@login_required
def home(request):
    """Each persona lands on its own home page."""
    user = request.user
    personas = personas_for(user)
    if "ops" in personas:
        waiting = selectors.applications_waiting(user)
        return render(
            request,
            "partners/home_ops.html",
            {
                "tiers": selectors.tiers_for_display(),
                "applications": waiting[:10],
                "application_count": waiting.count(),
                "partner_count": selectors.partners_visible_to(user).count(),
                "by_status": selectors.partner_counts_by_status(user),
                "by_business_model": selectors.partner_counts_by_business_model(user),
            },
        )
    if "cam" in personas:
        waiting = selectors.applications_waiting(user)
        by_status = selectors.partner_counts_by_status(user)
        return render(
            request,
            "partners/home_cam.html",
            {
                "focus": selectors.focus_list(user, limit=15),
                "by_status": by_status,
                "partner_count": sum(bar.count for bar in by_status),
                "applications": waiting[:10],
                "application_count": waiting.count(),
            },
        )
    membership = selectors.primary_membership(user)
    if membership is None:
        return render(request, "partners/home_none.html")
    partner = membership.partner
    next_tier = selectors.next_tier(partner.tier)
    return render(
        request,
        "partners/home_partner.html",
        {
            "membership": membership,
            "partner": partner,
            "team": selectors.team_of(partner),
            "next_tier": next_tier,
            "next_requirements": (
                selectors.requirements_in_display_order(next_tier) if next_tier else []
            ),
            **_agreement_context(user, partner),
        },
    )


def _agreement_context(user, partner: Partner) -> dict:
    """The agreement banner: shown until the partner has accepted the current version."""
    agreement = selectors.current_agreement()
    pending = agreement is not None and not selectors.has_accepted_current_agreement(partner)
    return {
        "agreement": agreement if pending else None,
        "can_accept_agreement": pending and partner.pk in selectors.partner_access(user).admin_of,
    }


# --- Recruitment: apply, review, decide ------------------------------------------------------


def apply(request):
    """The public "become a partner" form; no account needed."""
    form = forms.ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # A filled honeypot is a bot: answer as if all went well and store nothing.
        if not form.is_bot:
            services.submit_application(**form.service_kwargs())
        return redirect("partners:apply_thanks")
    return render(request, "partners/application_form.html", {"form": form})


def apply_thanks(request):
    return render(request, "partners/application_thanks.html")


@personas_required("cam", "ops")
def application_list(request):
    data = request.GET if "status" in request.GET else {"status": Application.Status.SUBMITTED}
    filters = forms.ApplicationFilterForm(data)
    applications = selectors.applications_visible_to(request.user)
    if filters.is_valid() and filters.cleaned_data["status"]:
        applications = applications.filter(status=filters.cleaned_data["status"])
    return render(
        request,
        "partners/application_list.html",
        {
            "filters": filters,
            "page_obj": _paginate(request, applications),
            "querystring": _querystring(request),
        },
    )


@personas_required("cam", "ops")
def application_review(request, pk):
    application = selectors.get_application_for_user(request.user, pk)
    action = request.POST.get("action") if request.method == "POST" else None
    bound = {
        "qualify": forms.QualificationForm(request.POST if action == "qualify" else None),
        "approve": forms.ApproveApplicationForm(
            request.POST if action == "approve" else None, prefix="approve"
        ),
        "decline": forms.DeclineApplicationForm(
            request.POST if action == "decline" else None, prefix="decline"
        ),
    }
    if action is None:
        bound["qualify"].initial = {
            **selectors.suggested_scores(application),
            "willingness_to_engage": 3,
        }
    elif action in bound and bound[action].is_valid():
        done = _decide_application(request, application, action, bound[action])
        if done:
            return redirect("partners:application_review", pk=application.pk)
    return render(
        request,
        "partners/application_review.html",
        {
            "application": application,
            "partner": application.partner,
            "hints": selectors.suggested_scores(application),
            "qualifications": selectors.qualifications_for(application.partner),
            "events": _timeline(application, application.partner),
            "qualify_form": bound["qualify"],
            "approve_form": bound["approve"],
            "decline_form": bound["decline"],
        },
    )


def _decide_application(request, application: Application, action: str, form) -> bool:
    data = form.cleaned_data
    try:
        if action == "qualify":
            services.qualify_partner(partner=application.partner, actor=request.user, **data)
            messages.success(request, _("Assessment saved."))
        elif action == "approve":
            services.approve_application(application=application, actor=request.user, **data)
            messages.success(
                request,
                _("Approved. %(email)s is invited to set up the partner account.")
                % {"email": application.contact_email},
            )
        else:
            services.decline_application(
                application=application, actor=request.user, reason=data["reason"]
            )
            messages.success(request, _("Declined. The applicant has been told why."))
    except domain.DomainError as error:
        _apply_domain_error(form, error)
        return False
    return True


def _timeline(*objects) -> list:
    """The audit rows of the objects, newest first, each with a readable ``label``."""
    events = [event for obj in objects for event in events_for(obj)[:50]]
    for event in events:
        event.label = EVENT_LABELS.get(event.verb, event.verb)
    return sorted(events, key=lambda e: (e.created_at, e.pk), reverse=True)


# --- Invitations -----------------------------------------------------------------------------


def invitation_accept(request, token):
    """Someone invited by email joins the partner: no login needed, the link is the proof."""
    invitation = selectors.get_invitation_by_token(token)
    if not invitation.is_open:
        return render(
            request, "partners/invitation_closed.html", {"invitation": invitation}, status=410
        )
    account = selectors.account_for_email(invitation.email)
    if account is not None:
        form = forms.ExistingAccountAcceptForm(request.POST or None, user=account)
    else:
        form = forms.InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                invitation=invitation,
                full_name=form.cleaned_data.get("full_name", ""),
                password=form.cleaned_data.get("password1"),
            )
        except domain.DomainError as error:
            _apply_domain_error(form, error)
        else:
            # The invitation link proved the address: sign in with the first configured backend.
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(
                request, _("Welcome to %(partner)s.") % {"partner": invitation.partner}
            )
            return redirect("home")
    return render(
        request,
        "partners/invitation_accept.html",
        {"invitation": invitation, "form": form, "existing_account": account is not None},
    )


# --- My organisation and its users ---------------------------------------------------------


@login_required
def my_partner(request):
    user = request.user
    if user.is_internal:
        return redirect("partners:partner_list")
    memberships = list(selectors.memberships_of(user))
    if not memberships:
        raise PermissionDenied
    chosen = request.GET.get("partner")
    membership = next((m for m in memberships if str(m.partner_id) == chosen), memberships[0])
    return _render_my_partner(request, membership, memberships)


def _render_my_partner(request, membership, memberships, *, invite_form=None, status=200):
    partner = membership.partner
    can_manage = selectors.can_administer_partner(request.user, partner)
    return render(
        request,
        "partners/partner_mine.html",
        {
            "membership": membership,
            "memberships": memberships,
            "partner": partner,
            "offices": partner.offices.all(),
            "team": selectors.team_of(partner),
            "tier_history": selectors.tier_history_for(partner)[:10],
            "next_tier": selectors.next_tier(partner.tier),
            "can_manage": can_manage,
            "invitations": selectors.open_invitations_for(partner) if can_manage else [],
            "invite_form": invite_form or forms.InviteUserForm(partner=partner),
            **_agreement_context(request.user, partner),
        },
        status=status,
    )


def _team_page_url(user, partner: Partner) -> str:
    """Members manage their team from "My organisation"; ops from the partner's page."""
    if partner.pk in selectors.partner_access(user).member_of:
        return f"{reverse('partners:my_partner')}?partner={partner.pk}"
    return partner.get_absolute_url()


def _managed_partner(request, pk) -> Partner:
    """The partner whose users are managed: 404 outside scope, 403 for non-admins in scope."""
    partner = selectors.get_partner_for_user(request.user, pk)
    if not selectors.can_administer_partner(request.user, partner):
        raise PermissionDenied
    return partner


@require_POST
@login_required
def partner_invite(request, pk):
    partner = _managed_partner(request, pk)
    form = forms.InviteUserForm(request.POST, partner=partner)
    if form.is_valid():
        try:
            invitation = services.invite_user(
                partner=partner, actor=request.user, **form.cleaned_data
            )
        except domain.DomainError as error:
            _apply_domain_error(form, error)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect(_team_page_url(request.user, partner))
    if partner.pk not in selectors.partner_access(request.user).member_of:
        return _render_partner_detail(request, partner, invite_form=form, status=400)
    memberships = list(selectors.memberships_of(request.user))
    membership = next(m for m in memberships if m.partner_id == partner.pk)
    return _render_my_partner(request, membership, memberships, invite_form=form, status=400)


@require_POST
@login_required
def invitation_revoke(request, pk, invitation_pk):
    partner = _managed_partner(request, pk)
    invitation = selectors.get_open_invitation(partner, invitation_pk)
    services.revoke_invitation(invitation=invitation, actor=request.user)
    messages.success(
        request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email}
    )
    return redirect(_team_page_url(request.user, partner))


@require_POST
@login_required
def member_remove(request, pk, membership_pk):
    partner = _managed_partner(request, pk)
    membership = selectors.get_membership(partner, membership_pk)
    try:
        services.remove_member(membership=membership, actor=request.user)
    except domain.PermissionDenied as error:
        raise PermissionDenied(error.message) from error
    except domain.DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(name)s no longer has access.") % {"name": membership.user.get_full_name()}
        )
    return redirect(_team_page_url(request.user, partner))


@require_POST
@login_required
def agreement_accept(request, pk):
    partner = selectors.get_partner_for_user(request.user, pk)
    try:
        services.accept_agreement(partner=partner, actor=request.user)
    except domain.PermissionDenied as error:
        raise PermissionDenied(error.message) from error
    except domain.DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you. The partner agreement is accepted."))
    return redirect("home")


# --- Partners (internal staff and distributors) ----------------------------------------------


@personas_required("cam", "ops", "distributor")
def partner_list(request):
    filters = forms.PartnerFilterForm(request.GET)
    partners = selectors.search_partners(request.user, **filters.filters())
    return render(
        request,
        "partners/partner_list.html",
        {
            "filters": filters,
            "page_obj": _paginate(request, partners),
            "querystring": _querystring(request),
        },
    )


@login_required
def partner_detail(request, pk):
    partner = selectors.get_partner_for_user(request.user, pk)
    return _render_partner_detail(request, partner)


def _render_partner_detail(request, partner: Partner, *, status=200, **bound_forms):
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
            "qualifications": selectors.qualifications_for(partner),
            "events": _timeline(partner)[:50],
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
            services.qualify_partner(partner=partner, actor=request.user, **form.cleaned_data)
        except domain.DomainError as error:
            _apply_domain_error(form, error)
        else:
            messages.success(request, _("Assessment saved."))
            return redirect(partner)
    return _render_partner_detail(request, partner, qualify_form=form, status=400)


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
            _apply_domain_error(form, error)
        else:
            messages.success(request, _("Status changed."))
            return redirect(partner)
    return _render_partner_detail(request, partner, status_form=form, status=400)


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
    return _render_partner_detail(request, partner, tier_form=form, status=400)


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
