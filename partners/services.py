"""Writes to partner data. One function per use case; each locks what it changes, writes an audit
row and sends notifications only after the transaction commits."""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import (
    build_event,
    changes_between,
    record_event,
    record_events,
    snapshot,
)
from prm.exceptions import PermissionDenied
from prm.id_sets import id_set
from prm.locks import lock, lock_many
from prm.models import User
from prm.notifications import notify_address
from prm.permissions import require_program_ops
from prm.webhooks import publish_many

from .exceptions import PartnerError
from .models import (
    AgreementAcceptance,
    Invitation,
    Office,
    Partner,
    PartnerMembership,
    Tier,
    TierHistory,
)
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
    return move_partner_status(partner=partner, actor=actor, to=to, reason=reason, rule=rule)


def move_partner_status(
    *, partner: Partner, actor: User | None, to: str, reason: str = "", rule: str = ""
) -> Partner:
    """The status change itself, without the ops check: for the steps that follow their own
    rules (a reviewer approves or declines an application, a partner admin accepts the
    agreement)."""
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
    return move_partner_tier(
        partner=partner,
        tier=tier,
        actor=actor,
        reason=reason,
        effective_from=effective_from,
        rule=rule,
    )


def move_partner_tier(
    *,
    partner: Partner,
    tier: Tier | None,
    actor: User | None,
    reason: str = "",
    effective_from: dt.date | None = None,
    rule: str = "",
) -> Partner:
    """The tier change itself, without the ops check: for a reviewer giving an approved
    applicant its starting tier."""
    moved = move_partner_tiers(
        [TierMove(partner.pk, tier, reason)], actor=actor, effective_from=effective_from, rule=rule
    )
    return moved[partner.pk]


@dataclass(frozen=True)
class TierMove:
    partner_id: int
    tier: Tier | None
    reason: str = ""


def move_partner_tiers(
    moves: Sequence[TierMove],
    *,
    actor: User | None,
    effective_from: dt.date | None = None,
    rule: str = "",
) -> dict[int, Partner]:
    """Move many partners at once (a quarter's promotions), as one by one in partner id order:
    each partner's open history row is closed and a new one opened from ``effective_from``, with
    an audit row and a webhook each; a partner already in its tier is left as it is. Partners
    are locked in id order and written with a few statements in all. Returns every partner of
    ``moves``, locked and up to date, by id."""
    effective_from = effective_from or timezone.localdate()
    partners = {p.pk: p for p in lock_many(Partner, {move.partner_id for move in moves})}
    tiers = Tier.objects.in_bulk({p.tier_id for p in partners.values() if p.tier_id})
    by_partner = {move.partner_id: move for move in moves}  # one move a partner: the last
    changed = [
        (partners[pk], move)
        for pk, move in sorted(by_partner.items())
        if partners[pk].tier_id != (move.tier.pk if move.tier else None)
    ]
    if not changed:
        return partners
    ids = [partner.pk for partner, _move in changed]
    open_rows = TierHistory.objects.filter(partner_id__in=id_set(ids), effective_to__isnull=True)
    later = open_rows.filter(effective_from__gt=effective_from).order_by("partner_id").first()
    if later is not None:
        # A tier history reads in time order: the new tier cannot start before the current one.
        raise PartnerError(
            _("%(partner)s has its current tier from %(since)s; a new tier cannot start before "
              "that (%(day)s).")
            % {"partner": partners[later.partner_id], "since": later.effective_from,
               "day": effective_from},
            code="tier_before_current",
            details={
                "effective_from": _("On or after %(since)s.") % {"since": later.effective_from}
            },
        )  # fmt: skip
    open_rows.update(effective_to=effective_from)
    TierHistory.objects.bulk_create(
        TierHistory(
            partner=partner,
            tier=move.tier,
            effective_from=effective_from,
            reason=move.reason,
            changed_by=actor,
        )
        for partner, move in changed
    )
    now = timezone.now()
    to_tier: dict[int | None, list[int]] = defaultdict(list)
    for partner, move in changed:
        to_tier[move.tier.pk if move.tier else None].append(partner.pk)
    for tier_id, pks in to_tier.items():
        Partner.objects.filter(pk__in=id_set(pks)).update(tier_id=tier_id, updated_at=now)
    events = []
    for partner, move in changed:
        previous = tiers.get(partner.tier_id) if partner.tier_id else None
        partner.tier, partner.updated_at = move.tier, now
        events.append(
            build_event(
                partner,
                actor=actor,
                verb="partner.tier_changed",
                from_state=previous.name if previous else "",
                to_state=move.tier.name if move.tier else "",
                reason=move.reason,
                rule=rule,
            )
        )
    record_events(events)
    publish_many(
        "partner.tier_changed", [partner for partner, _move in changed], partner_of=lambda p: p
    )
    return partners


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
    if User.objects.filter(email=email).exclude(internal_role="").exists():
        # Accepting would be refused ("Staff accounts cannot join a partner"): say so now.
        message = _("%(email)s is a vendor staff account; staff cannot join a partner.") % {
            "email": email
        }
        raise PartnerError(message, code="staff_account", details={"email": message})
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
def change_member(
    *, membership: PartnerMembership, actor: User, role: str, office: Office | None
) -> PartnerMembership:
    """Change a member's role or office. A partner keeps at least one admin, and an admin
    cannot demote themselves (another admin or ops must)."""
    _require_partner_admin(actor, membership.partner)
    partner = lock(Partner, membership.partner_id)
    membership = lock(PartnerMembership, membership.pk)
    if office is not None and office.partner_id != partner.pk:
        raise PartnerError(_("That office belongs to another partner."), code="wrong_office")
    demoted = membership.is_admin and role != PartnerMembership.Role.ADMIN
    if demoted and membership.user_id == actor.pk:
        raise PartnerError(
            _("You cannot take away your own admin role; another admin can."),
            code="self_demotion",
            details={"role": _("Another admin must change your role.")},
        )
    if (
        demoted
        and not partner.memberships.filter(role=PartnerMembership.Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise PartnerError(
            _("A partner must keep at least one admin."),
            code="last_admin",
            details={"role": _("This is the partner's only admin.")},
        )
    before = snapshot(membership, ["role", "office"])
    membership.role = role
    membership.office = office
    membership.save(update_fields=["role", "office"])
    after = snapshot(membership, ["role", "office"])
    if before != after:
        record_event(
            partner,
            actor=actor,
            verb="partner.member_changed",
            data={"email": membership.user.email, "changes": changes_between(before, after)},
        )
    return membership


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
        move_partner_status(
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
