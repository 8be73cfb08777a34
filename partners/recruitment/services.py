"""Recruitment writes: a company applies, a reviewer (program ops or the partner's channel
account manager) qualifies it and approves or declines the application; an approved applicant
moves to onboarding and its contact is invited as the partner's admin."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.exceptions import DomainError, PermissionDenied
from prm.locks import lock
from prm.models import User
from prm.notifications import notify, notify_address, resolve
from prm.webhooks import publish

from ..exceptions import PartnerError
from ..models import Application, Partner, PartnerMembership, Qualification, Tier
from ..services import invite_user, move_partner_status, move_partner_tier
from .selectors import approval_missing


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
    _record_decision(
        application, actor=actor, reason=reason, previous=previous, verb="application.approved"
    )
    partner = move_partner_status(
        partner=application.partner,
        actor=actor,
        to=Partner.Status.ONBOARDING,
        reason=reason,
        rule="application.approved",
    )
    if channel_manager is None and actor.is_channel_manager:
        channel_manager = actor
    if channel_manager is not None:
        partner.channel_manager = channel_manager
        partner.save(update_fields=["channel_manager", "updated_at"])
    if tier is not None:
        move_partner_tier(partner=partner, tier=tier, actor=actor, reason=_("Starting tier"))
    invite_user(
        partner=partner,
        email=application.contact_email,
        role=PartnerMembership.Role.ADMIN,
        actor=actor,
    )
    return application


def _record_decision(
    application: Application, *, actor: User, reason: str, previous: str, verb: str
) -> None:
    """Who decided, when and why, saved with the new status, and its audit row; ops' notices
    of the application leave their bells."""
    resolve(application.get_absolute_url(), ("partners.application_submitted",))
    application.decided_by, application.decided_at = actor, timezone.now()
    application.decision_reason = reason
    application.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    record_event(
        application,
        actor=actor,
        verb=verb,
        from_state=previous,
        to_state=application.status,
        reason=reason,
    )


@transaction.atomic
def decline_application(*, application: Application, actor: User, reason: str) -> Application:
    if not reason.strip():
        raise PartnerError(_("Give the applicant a reason."), code="reason_required")
    application = lock(Application, application.pk)
    _require_reviewer(actor, application.partner)
    previous = application.move_to(Application.Status.DECLINED)
    _record_decision(
        application, actor=actor, reason=reason, previous=previous, verb="application.declined"
    )
    move_partner_status(
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
