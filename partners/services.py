"""Writes to partner data. One function per use case; each locks what it changes, writes an audit
row and sends notifications only after the transaction commits."""

import datetime as dt

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.exceptions import DomainError, PermissionDenied
from prm.locks import lock
from prm.models import User
from prm.notifications import notify, notify_address
from prm.permissions import require_program_ops
from prm.webhooks import publish

from .exceptions import PartnerError
from .models import (
    AgreementAcceptance,
    Application,
    Invitation,
    Office,
    Partner,
    PartnerMembership,
    Qualification,
    Tier,
    TierHistory,
)
from .recruitment.selectors import approval_missing
from .selectors import (
    belongs_to_another_partner,
    current_agreement,
    partner_access,
)


def _require_ops(actor: User | None) -> None:
    # ``None`` is a scheduled job acting under a rule (the tier review, expiry); people need ops.
    require_program_ops(
        actor,
        _("Only program ops may change a partner's status or tier."),
        system_allowed=True,
    )


@transaction.atomic
def change_partner_status(
    *, partner: Partner, actor: User | None, to: str, reason: str = "", rule: str = ""
) -> Partner:
    """Move a partner to another status (program ops, or a job with ``actor=None``)."""
    _require_ops(actor)
    return _move_partner_status(partner=partner, actor=actor, to=to, reason=reason, rule=rule)


def _move_partner_status(
    *, partner: Partner, actor: User | None, to: str, reason: str = "", rule: str = ""
) -> Partner:
    # The status change itself, for the recruitment steps that follow their own rules (a
    # reviewer approves or declines an application, a partner admin accepts the agreement).
    partner = lock(Partner, partner.pk)
    previous = partner.move_to(to)
    fields = ["status", "updated_at"]
    if to == Partner.Status.ACTIVE and partner.activated_at is None:
        partner.activated_at = timezone.now()
        fields.append("activated_at")
    partner.save(update_fields=fields)
    record_event(
        partner,
        actor=actor,
        verb="partner.status_changed",
        from_state=previous,
        to_state=to,
        reason=reason,
        rule=rule,
    )
    return partner


@transaction.atomic
def set_partner_tier(
    *,
    partner: Partner,
    tier: Tier | None,
    actor: User | None,
    reason: str = "",
    effective_from: dt.date | None = None,
    rule: str = "",
) -> Partner:
    """Move a partner to ``tier``, closing the open history row and opening a new one (program
    ops, or a job with ``actor=None``)."""
    _require_ops(actor)
    return _move_partner_tier(
        partner=partner,
        tier=tier,
        actor=actor,
        reason=reason,
        effective_from=effective_from,
        rule=rule,
    )


def _move_partner_tier(
    *,
    partner: Partner,
    tier: Tier | None,
    actor: User | None,
    reason: str = "",
    effective_from: dt.date | None = None,
    rule: str = "",
) -> Partner:
    partner = lock(Partner, partner.pk)
    effective_from = effective_from or timezone.localdate()
    previous = partner.tier
    if previous == tier:
        return partner
    TierHistory.objects.filter(partner=partner, effective_to__isnull=True).update(
        effective_to=effective_from
    )
    TierHistory.objects.create(
        partner=partner,
        tier=tier,
        effective_from=effective_from,
        reason=reason,
        changed_by=actor,
    )
    partner.tier = tier
    partner.save(update_fields=["tier", "updated_at"])
    record_event(
        partner,
        actor=actor,
        verb="partner.tier_changed",
        from_state=previous.name if previous else "",
        to_state=tier.name if tier else "",
        reason=reason,
        rule=rule,
    )
    publish("partner.tier_changed", partner, partner=partner)
    return partner


# --- Recruitment: application → review → onboarding → active -------------------------------


@transaction.atomic
def submit_application(
    *,
    legal_name: str,
    display_name: str,
    hq_country: str,
    business_model: str,
    contact_name: str,
    contact_email: str,
    website: str = "",
    compensation_preference: str = "",
    regions_served: list[str] | None = None,
    domains: list[str] | None = None,
    target_sectors: list[str] | None = None,
    solution_stack: list[str] | None = None,
    contact_title: str = "",
    customer_count: int = 0,
    technical_staff: int = 0,
    executive_sponsor: str = "",
    message: str = "",
) -> Application:
    """A company applies to join: it becomes a ``Partner`` in ``applied`` with an application."""
    partner = Partner.objects.create(
        legal_name=legal_name,
        display_name=display_name,
        website=website,
        hq_country=hq_country.upper(),
        business_model=business_model,
        compensation_preference=compensation_preference
        or Partner._meta.get_field("compensation_preference").default,
        regions_served=list(regions_served or []),
        domains=[d.lower() for d in (domains or [])],
        target_sectors=list(target_sectors or []),
        solution_stack=list(solution_stack or []),
        status=Partner.Status.APPLIED,
    )
    application = Application.objects.create(
        partner=partner,
        contact_name=contact_name,
        contact_email=contact_email.lower(),
        contact_title=contact_title,
        customer_count=customer_count,
        technical_staff=technical_staff,
        executive_sponsor=executive_sponsor,
        message=message,
    )
    record_event(
        partner,
        actor=None,
        verb="partner.applied",
        from_state=Partner.Status.PROSPECT,
        to_state=Partner.Status.APPLIED,
        data={"contact_email": application.contact_email},
    )
    publish("application.received", application, partner=partner)
    reviewers = User.objects.filter(
        is_active=True, internal_role__in=[User.InternalRole.PROGRAM_OPS]
    )
    notify(
        reviewers,
        kind="partners.application_submitted",
        template="partners/email/application_submitted",
        context={"application": application},
        url=application.get_absolute_url(),
    )
    return application


def _require_reviewer(actor: User, partner: Partner) -> None:
    if actor.is_program_ops:
        return
    if actor.is_channel_manager and partner.channel_manager_id in (None, actor.pk):
        return
    raise PermissionDenied(
        _("Only program ops or the partner's channel account manager may do this.")
    )


@transaction.atomic
def qualify_partner(
    *,
    partner: Partner,
    actor: User,
    scale: int,
    skill: int,
    will: int,
    willingness_to_engage: int,
    opp_traits: list[str] | tuple = (),
    scale_notes: str = "",
    skill_notes: str = "",
    will_notes: str = "",
) -> Qualification:
    """Record a dated Scale / Skill / Will assessment (1–5 each) with OPP fit traits."""
    _require_reviewer(actor, partner)
    scores = {
        "scale": scale,
        "skill": skill,
        "will": will,
        "willingness_to_engage": willingness_to_engage,
    }
    bad = {
        name: _("Must be between 1 and 5.")
        for name, value in scores.items()
        if not 1 <= int(value) <= 5
    }
    unknown = set(opp_traits) - set(Qualification.OppTrait.values)
    if unknown:
        bad["opp_traits"] = _("Unknown traits: %(t)s") % {"t": ", ".join(sorted(unknown))}
    if bad:
        raise PartnerError(
            _("The assessment is not valid."), code="invalid_qualification", details=bad
        )
    qualification = Qualification.objects.create(
        partner=partner,
        assessed_by=actor,
        opp_traits=sorted(set(opp_traits)),
        scale_notes=scale_notes,
        skill_notes=skill_notes,
        will_notes=will_notes,
        **{name: int(value) for name, value in scores.items()},
    )
    record_event(
        partner,
        actor=actor,
        verb="partner.qualified",
        data={**scores, "opp_traits": qualification.opp_traits},
    )
    return qualification


@transaction.atomic
def approve_application(
    *,
    application: Application,
    actor: User,
    reason: str = "",
    channel_manager: User | None = None,
    tier: Tier | None = None,
) -> Application:
    """Approve: the partner moves to onboarding and the applicant is invited as partner admin."""
    application = lock(Application, application.pk)
    _require_reviewer(actor, application.partner)
    previous = application.move_to(Application.Status.APPROVED)
    missing = approval_missing(application, actor=actor, channel_manager=channel_manager)
    if missing:
        raise DomainError(
            _("The application cannot be approved yet: %(missing)s")
            % {"missing": " ".join(missing.values())},
            code="application_incomplete",
            details=missing,
        )
    application.decided_by, application.decided_at = actor, timezone.now()
    application.decision_reason = reason
    application.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    record_event(
        application,
        actor=actor,
        verb="application.approved",
        from_state=previous,
        to_state=application.status,
        reason=reason,
    )
    partner = _move_partner_status(
        partner=application.partner,
        actor=actor,
        to=Partner.Status.ONBOARDING,
        reason=reason,
        rule="application.approved",
    )
    updates = []
    if channel_manager is None and actor.is_channel_manager:
        channel_manager = actor
    if channel_manager is not None:
        partner.channel_manager = channel_manager
        updates.append("channel_manager")
    if updates:
        partner.save(update_fields=[*updates, "updated_at"])
    if tier is not None:
        _move_partner_tier(partner=partner, tier=tier, actor=actor, reason=_("Starting tier"))
    invite_user(
        partner=partner,
        email=application.contact_email,
        role=PartnerMembership.Role.ADMIN,
        actor=actor,
    )
    return application


@transaction.atomic
def decline_application(*, application: Application, actor: User, reason: str) -> Application:
    if not reason.strip():
        raise PartnerError(_("Give the applicant a reason."), code="reason_required")
    application = lock(Application, application.pk)
    _require_reviewer(actor, application.partner)
    previous = application.move_to(Application.Status.DECLINED)
    application.decided_by, application.decided_at = actor, timezone.now()
    application.decision_reason = reason
    application.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    record_event(
        application,
        actor=actor,
        verb="application.declined",
        from_state=previous,
        to_state=application.status,
        reason=reason,
    )
    _move_partner_status(
        partner=application.partner,
        actor=actor,
        to=Partner.Status.TERMINATED,
        reason=reason,
        rule="application.declined",
    )
    notify_address(
        application.contact_email,
        template="partners/email/application_declined",
        context={"application": application},
    )
    return application


# --- Users of a partner ----------------------------------------------------------------------


def _require_partner_admin(actor: User, partner: Partner) -> None:
    if actor.is_program_ops or partner.pk in partner_access(actor).admin_of:
        return
    raise PermissionDenied(_("Only this partner's admins may manage its users."))


@transaction.atomic
def invite_user(
    *,
    partner: Partner,
    email: str,
    role: str,
    actor: User,
    office: Office | None = None,
    invite_anyway: bool = False,
) -> Invitation:
    """Invite someone to a partner by email. Program staff may invite the first admin.

    Someone who already belongs to another partner organisation is invited only when the
    inviter says so (``invite_anyway``): the inviter is told first, without naming the other
    partner, since joining a second partner is usually a mistake in the address."""
    if not (actor.is_internal and role == PartnerMembership.Role.ADMIN):
        _require_partner_admin(actor, partner)
    email = email.strip().lower()
    if PartnerMembership.objects.filter(partner=partner, user__email=email).exists():
        raise PartnerError(
            _("%(email)s is already a member.") % {"email": email}, code="already_member"
        )
    if office is not None and office.partner_id != partner.pk:
        raise PartnerError(_("That office belongs to another partner."), code="wrong_office")
    if not invite_anyway and belongs_to_another_partner(email, partner):
        message = _(
            "%(email)s already belongs to another partner organisation. Check the address, or "
            "confirm that you want to invite this person anyway."
        ) % {"email": email}
        raise PartnerError(message, code="member_of_another_partner", details={"email": message})
    Invitation.objects.filter(
        partner=partner, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    invitation = Invitation.objects.create(
        partner=partner,
        email=email,
        role=role,
        office=office,
        invited_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=settings.PRM_INVITATION_DAYS),
    )
    record_event(
        partner, actor=actor, verb="partner.user_invited", data={"email": email, "role": role}
    )
    notify_address(
        email,
        template="partners/email/invitation",
        context={"invitation": invitation, "partner": partner, "inviter": actor},
        url=reverse("partners:invitation_accept", args=[invitation.token]),
    )
    return invitation


@transaction.atomic
def accept_invitation(*, invitation: Invitation, full_name: str, password: str | None) -> User:
    """Join the partner: creates the account (or links an existing one) and the membership.

    The invitation proves the address, so it is marked verified for django-allauth.
    """
    invitation = lock(Invitation, invitation.pk)
    if not invitation.is_open:
        raise PartnerError(
            _("This invitation has expired or was already used."), code="invitation_closed"
        )
    user = User.objects.filter(email=invitation.email).first()
    if user is None:
        user = User.objects.create_user(
            email=invitation.email, password=password, full_name=full_name
        )
    elif user.is_internal:
        raise PartnerError(_("Staff accounts cannot join a partner."), code="staff_account")
    elif not user.is_active:
        # Removed from their last partner earlier (see ``remove_member``); invited back now.
        user.is_active = True
        user.save(update_fields=["is_active"])
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    PartnerMembership.objects.create(
        user=user, partner=invitation.partner, role=invitation.role, office=invitation.office
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    record_event(
        invitation.partner,
        actor=user,
        verb="partner.user_joined",
        data={"email": user.email, "role": invitation.role},
    )
    return user


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, actor: User) -> Invitation:
    _require_partner_admin(actor, invitation.partner)
    invitation = lock(Invitation, invitation.pk)
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record_event(
            invitation.partner,
            actor=actor,
            verb="partner.invitation_revoked",
            data={"email": invitation.email},
        )
    return invitation


@transaction.atomic
def remove_member(*, membership: PartnerMembership, actor: User) -> None:
    """Remove a user from a partner. The last admin cannot be removed, nor can admins remove
    themselves (another admin or ops must)."""
    _require_partner_admin(actor, membership.partner)
    partner = lock(Partner, membership.partner_id)
    if membership.user_id == actor.pk:
        raise PartnerError(_("You cannot remove yourself."), code="self_removal")
    if (
        membership.is_admin
        and partner.memberships.filter(role=PartnerMembership.Role.ADMIN).count() == 1
    ):
        raise PartnerError(_("A partner must keep at least one admin."), code="last_admin")
    user = membership.user
    membership.delete()
    if not user.memberships.exists() and not user.is_internal:
        user.is_active = False
        user.save(update_fields=["is_active"])
    record_event(partner, actor=actor, verb="partner.user_removed", data={"email": user.email})


@transaction.atomic
def accept_agreement(*, partner: Partner, actor: User) -> AgreementAcceptance:
    """A partner admin accepts the current program agreement; an onboarding partner goes live."""
    if partner.pk not in partner_access(actor).admin_of:
        raise PermissionDenied(_("Only a partner admin may accept the agreement."))
    agreement = current_agreement()
    if agreement is None:
        raise PartnerError(_("There is no program agreement to accept."), code="no_agreement")
    acceptance, created = AgreementAcceptance.objects.get_or_create(
        partner=partner, agreement=agreement, defaults={"accepted_by": actor}
    )
    if created:
        record_event(
            partner,
            actor=actor,
            verb="partner.agreement_accepted",
            data={"agreement": agreement.version},
        )
    partner.refresh_from_db(fields=["status"])
    if partner.status == Partner.Status.ONBOARDING:
        _move_partner_status(
            partner=partner, actor=actor, to=Partner.Status.ACTIVE, rule="agreement.accepted"
        )
    return acceptance


@transaction.atomic
def expire_invitations() -> int:
    """Mark invitations past their expiry as revoked; safe to run twice."""
    return Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=timezone.now()
    ).update(revoked_at=timezone.now())


@transaction.atomic
def set_mfa_requirement(*, partner: Partner, required: bool, actor: User) -> Partner:
    """A partner admin (or ops) requires, or stops requiring, MFA for every member."""
    _require_partner_admin(actor, partner)
    partner = lock(Partner, partner.pk)
    if partner.require_mfa == required:
        return partner
    partner.require_mfa = required
    partner.save(update_fields=["require_mfa", "updated_at"])
    record_event(
        partner,
        actor=actor,
        verb="partner.mfa_required" if required else "partner.mfa_optional",
    )
    return partner
