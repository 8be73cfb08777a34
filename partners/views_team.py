"""My organisation and its people: the team page, the profile, invitations, members' roles,
removals and the agreement."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prm import exceptions as domain

from . import forms, profile, selectors, services
from .models import Partner
from .views import agreement_context, render_partner_detail, show_domain_error


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
            "can_edit_profile": bool(profile.profile_fields_for(request.user, partner)),
            "invitations": selectors.open_invitations_for(partner) if can_manage else [],
            "invite_form": invite_form or forms.InviteUserForm(partner=partner),
            **agreement_context(request.user, partner),
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
            show_domain_error(form, error)
            form.needs_confirmation = error.code == "member_of_another_partner"
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect(_team_page_url(request.user, partner))
    if partner.pk not in selectors.partner_access(request.user).member_of:
        return render_partner_detail(request, partner, invite_form=form, status=400)
    memberships = list(selectors.memberships_of(request.user))
    membership = next(m for m in memberships if m.partner_id == partner.pk)
    return _render_my_partner(request, membership, memberships, invite_form=form, status=400)


@login_required
def partner_profile(request, pk):
    """The organisation's profile: its admins edit how it presents itself, ops the rest too."""
    partner = selectors.get_partner_for_user(request.user, pk)
    fields = profile.profile_fields_for(request.user, partner)
    if not fields:
        raise PermissionDenied
    form = forms.PartnerProfileForm(request.POST or None, partner=partner, fields=fields)
    if request.method == "POST" and form.is_valid():
        try:
            profile.update_partner_profile(
                partner=partner, actor=request.user, changes=form.changes
            )
        except domain.DomainError as error:
            show_domain_error(form, error)
        else:
            if form.changes:
                messages.success(request, _("The profile is saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect(_team_page_url(request.user, partner))
    return render(
        request,
        "partners/partner_profile.html",
        {
            "partner": partner,
            "form": form,
            "back_url": _team_page_url(request.user, partner),
            "contract_fields_locked": not request.user.is_program_ops,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def member_edit(request, pk, membership_pk):
    """A member's role and office, changed by the partner's admins or ops."""
    partner = _managed_partner(request, pk)
    membership = selectors.get_membership(partner, membership_pk)
    form = forms.MemberForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_member(membership=membership, actor=request.user, **form.cleaned_data)
        except domain.DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s's role and office are saved.")
                % {"name": membership.user.get_full_name() or membership.user.email},
            )
            return redirect(_team_page_url(request.user, partner))
    return render(
        request,
        "partners/member_edit.html",
        {
            "partner": partner,
            "membership": membership,
            "form": form,
            "back_url": _team_page_url(request.user, partner),
        },
        status=400 if form.is_bound else 200,
    )


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


@require_POST
@login_required
def mfa_requirement(request, pk):
    partner = _managed_partner(request, pk)
    required = request.POST.get("require_mfa") == "on"
    try:
        services.set_mfa_requirement(partner=partner, required=required, actor=request.user)
    except domain.PermissionDenied as error:
        raise PermissionDenied(error.message) from error
    if required:
        messages.success(
            request, _("Every member must now set up an authenticator app to use the portal.")
        )
    else:
        messages.success(request, _("Two-factor authentication is now optional for members."))
    return redirect(_team_page_url(request.user, partner))
