"""The registration lifecycle: create, edit, submit and withdraw (the vendor's decisions:
``decisions``; outcomes: ``outcome``)."""

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner
from partners.selectors import partner_access
from prm.audit import build_event, record_event
from prm.models import AuditEvent, User
from prm.money import quantize
from prm.notifications import notify
from prm.webhooks import publish

from .. import conflicts
from ..exceptions import (
    DealNotAllowed,
    DuplicateRegistration,
    InvalidDealData,
    NotEditable,
    ResubmissionLimitReached,
)
from ..models import DealProgramSettings, DealRegistration
from ..selectors import (
    acts_for_partner,
    reviewers_for,
)
from ..sla import add_business_days
from ._common import (
    jsonable,
    lock_registration,
    require_active,
    require_partner_side,
    state_left,
)
from .fields import (
    EDITABLE_FIELDS,
    clean_registration_fields,
    normalize_fields,
    refuse_duplicate_ref,
)

Status = DealRegistration.Status


# --- Creating and editing --------------------------------------------------------------------


# The optional registration fields and their values when not given.
FIELD_DEFAULTS: dict = {
    "customer_domain": "",
    "contact_name": "",
    "contact_email": "",
    "industry": "",
    "product_lines": (),
    "sourcing": DealRegistration.Sourcing.SOURCED,
    "engagement": DealRegistration.Engagement.PARTNER_LED,
    "notes": "",
    "external_ref": "",
}


@transaction.atomic
def create_registration(
    *,
    actor: User,
    partner: Partner,
    customer_name: str,
    country: str,
    estimated_amount,
    currency: str,
    expected_close_date: dt.date,
    customer_domain: str = "",
    contact_name: str = "",
    contact_email: str = "",
    industry: str = "",
    product_lines: Iterable[str] = (),
    sourcing: str = DealRegistration.Sourcing.SOURCED,
    engagement: str = DealRegistration.Engagement.PARTNER_LED,
    notes: str = "",
    external_ref: str = "",
    source_lead=None,
    submit: bool = True,
    notify_reviewers: bool = True,
) -> DealRegistration:
    """Register a deal for ``partner``. A distributor admin may register for one of its
    resellers (two-tier): the registration then names the distributor. With ``submit`` the
    registration goes straight to review; otherwise it stays a draft. A bulk import passes
    ``notify_reviewers=False`` and sends one summary instead of one email per registration."""
    distributor = registering_distributor(actor, partner)
    require_active(partner)
    registration = new_registration(
        actor=actor,
        partner=partner,
        distributor=distributor,
        source_lead=source_lead,
        fields={
            "customer_name": customer_name,
            "customer_domain": customer_domain,
            "contact_name": contact_name,
            "contact_email": contact_email,
            "country": country,
            "industry": industry,
            "product_lines": product_lines,
            "estimated_amount": estimated_amount,
            "currency": currency,
            "expected_close_date": expected_close_date,
            "sourcing": sourcing,
            "engagement": engagement,
            "notes": notes,
            "external_ref": external_ref,
        },
    )
    refuse_duplicate_ref(partner, registration.external_ref)
    try:
        # A savepoint, so a concurrent import of the same CRM reference fails cleanly.
        with transaction.atomic():
            registration.save()
    except IntegrityError as exc:
        raise DuplicateRegistration(details={"external_ref": registration.external_ref}) from exc
    created_event(registration, actor=actor).save()
    if submit:
        registration = submit_registration(
            registration=registration, actor=actor, notify_reviewers=notify_reviewers
        )
    return registration


def new_registration(
    *,
    actor: User,
    partner: Partner,
    distributor: Partner | None,
    fields: dict,
    source_lead=None,
) -> DealRegistration:
    """The unsaved draft a creation stores: ``fields`` (the required ones, and any of
    ``FIELD_DEFAULTS``) validated by ``clean_registration_fields`` (which raises
    ``InvalidDealData``) and normalised for conflict checks. Shared by ``create_registration``
    and the bulk creation of imports."""
    values = clean_registration_fields(
        {name: fields[name] if name in fields else FIELD_DEFAULTS[name] for name in EDITABLE_FIELDS}
    )
    registration = DealRegistration(
        partner=partner,
        registered_by=actor,
        distributor=distributor,
        source_lead=source_lead,
        **values,
    )
    normalize_fields(registration)
    return registration


def created_event(registration: DealRegistration, *, actor: User) -> AuditEvent:
    """The unsaved audit row of a new draft."""
    distributor = registration.distributor_id
    return build_event(
        registration,
        actor=actor,
        verb="deal.created",
        to_state=Status.DRAFT,
        data={"distributor": distributor} if distributor else None,
    )


@transaction.atomic
def update_registration(
    *, registration: DealRegistration, actor: User, **fields
) -> DealRegistration:
    """Edit a draft, or a registration the reviewer asked more information about."""
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidDealData(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(unknown)},
            details={name: _("Not an editable field.") for name in unknown},
        )
    registration = lock_registration(registration)
    require_partner_side(actor, registration)
    if registration.status not in (Status.DRAFT, Status.MORE_INFO):
        raise NotEditable()
    values = clean_registration_fields(fields)
    if "estimated_amount" in values:
        currency = values.get("currency", registration.currency)
        values["estimated_amount"] = quantize(values["estimated_amount"], currency)
    if values.get("external_ref"):
        refuse_duplicate_ref(registration.partner, values["external_ref"], exclude=registration)
    changes = {}
    for name, value in values.items():
        old = getattr(registration, name)
        if old != value:
            changes[name] = [jsonable(old), jsonable(value)]
            setattr(registration, name, value)
    if not changes:
        return registration
    normalize_fields(registration)
    registration.save(
        update_fields=[
            *changes,
            "customer_name_normalized",
            "contact_email_domain",
            "updated_at",
        ]
    )
    record_event(registration, actor=actor, verb="deal.updated", data={"changes": changes})
    return registration


# --- Submission and withdrawal ---------------------------------------------------------------


@transaction.atomic
def submit_registration(
    *, registration: DealRegistration, actor: User, notify_reviewers: bool = True
) -> DealRegistration:
    """Send a draft (or an answered request for information, or a rejected registration) to
    review. Each submission gets its own SLA due time; a resubmission after rejection counts
    against ``DealProgramSettings.max_resubmissions``. Candidate conflicts are recorded in the
    same transaction."""
    registration = lock_registration(registration)
    require_partner_side(actor, registration)
    require_active(registration.partner)
    program = DealProgramSettings.current()
    is_resubmission = registration.status == Status.REJECTED
    if is_resubmission and registration.resubmission_count >= program.max_resubmissions:
        raise ResubmissionLimitReached(details={"allowed": program.max_resubmissions})
    previous = mark_submitted(registration, program=program, now=timezone.now())
    registration.save(
        update_fields=[
            "status",
            "first_submitted_at",
            "submitted_at",
            "sla_due_at",
            "sla_reminded_at",
            "sla_escalated_at",
            "sla_responded_at",
            "resubmission_count",
            "decided_at",
            "decided_by",
            "decision_reason",
            "updated_at",
        ]
    )
    conflicts.record_conflicts(registration=registration)
    submitted_event(registration, actor=actor, previous=previous, program=program).save()
    publish("deal.submitted", registration, partner=registration.partner_id)
    if not notify_reviewers:
        return registration
    notify(
        reviewers_for(registration.partner),
        kind="deal_submitted",
        template="deals/email/submitted",
        context={
            "registration": registration,
            "resubmission": is_resubmission,
            "answered": previous == Status.MORE_INFO,
        },
        url=reverse("deals:deal_review", args=[registration.pk]),
    )
    return registration


def mark_submitted(
    registration: DealRegistration, *, program: DealProgramSettings, now: dt.datetime
) -> str:
    """Move ``registration`` (not saved) to submitted with the fields of a new submission: its
    SLA due time, a cleared reminder and response, and for a resubmission after rejection the
    count and a cleared decision. Returns the previous status."""
    is_resubmission = registration.status == Status.REJECTED
    previous = registration.move_to(Status.SUBMITTED)
    state_left(registration, previous)
    registration.first_submitted_at = registration.first_submitted_at or now
    registration.submitted_at = now
    registration.sla_due_at = add_business_days(now, program.approval_sla_business_days)
    registration.sla_reminded_at = None
    registration.sla_escalated_at = None
    registration.sla_responded_at = None
    if is_resubmission:
        registration.resubmission_count += 1
        registration.decided_at = None
        registration.decided_by = None
        registration.decision_reason = ""
    return previous


def submitted_event(
    registration: DealRegistration,
    *,
    actor: User,
    previous: str,
    program: DealProgramSettings,
) -> AuditEvent:
    """The unsaved audit row of a submission ``mark_submitted`` made."""
    due = registration.sla_due_at
    return build_event(
        registration,
        actor=actor,
        verb="deal.resubmitted" if previous == Status.REJECTED else "deal.submitted",
        from_state=previous,
        to_state=Status.SUBMITTED,
        rule=_("Decision due within %(n)d business days")
        % {"n": program.approval_sla_business_days},
        data={"sla_due_at": due.isoformat() if due else None},
    )


@transaction.atomic
def withdraw_registration(
    *, registration: DealRegistration, actor: User, reason: str = ""
) -> DealRegistration:
    """The partner takes a registration back before a decision (ops may do it for them)."""
    registration = lock_registration(registration)
    if not (acts_for_partner(actor, registration.partner) or actor.is_program_ops):
        raise DealNotAllowed()
    previous = registration.move_to(Status.WITHDRAWN)
    state_left(registration, previous)
    registration.save(update_fields=["status", "updated_at"])
    record_event(
        registration,
        actor=actor,
        verb="deal.withdrawn",
        from_state=previous,
        to_state=Status.WITHDRAWN,
        reason=(reason or "").strip(),
    )
    if previous in DealRegistration.PENDING_STATUSES:
        notify(
            reviewers_for(registration.partner),
            kind="deal_withdrawn",
            template="deals/email/withdrawn",
            context={"registration": registration, "reason": (reason or "").strip()},
            url=registration.get_absolute_url(),
        )
    return registration


def registering_distributor(actor: User, partner: Partner) -> Partner | None:
    """None when the actor belongs to the partner; its distributor when the actor registers on
    a reseller's behalf as the distributor's admin; refused otherwise."""
    if partner.pk in partner_access(actor).member_of:
        return None
    if acts_for_partner(actor, partner):
        return partner.parent_distributor
    raise DealNotAllowed(
        _("You cannot register deals for %(partner)s.") % {"partner": partner.display_name}
    )
