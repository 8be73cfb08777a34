"""The registration lifecycle: create, edit, submit, decide, withdraw and record the outcome."""

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner
from partners.selectors import partner_access
from prm.audit import record_event
from prm.models import User
from prm.money import parse_amount, quantize
from prm.notifications import notify

from .. import conflicts
from ..exceptions import (
    AccountAlreadyProtected,
    DealNotAllowed,
    DuplicateRegistration,
    InvalidDealData,
    NotEditable,
    ResubmissionLimitReached,
    UnresolvedConflicts,
)
from ..models import DealConflict, DealProgramSettings, DealRegistration, ExtensionRequest
from ..selectors import (
    acts_for_partner,
    can_decide,
    partner_side_recipients,
    reviewers_for,
)
from ..sla import add_business_days
from ._common import (
    jsonable,
    lock_registration,
    notify_partner,
    require_active,
    require_decider,
    require_partner_side,
    required_reason,
)
from .fields import (
    EDITABLE_FIELDS,
    clean_products,
    clean_registration_fields,
    normalize_fields,
    refuse_duplicate_ref,
)

Status = DealRegistration.Status


# --- Creating and editing --------------------------------------------------------------------


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
    distributor = _registering_distributor(actor, partner)
    require_active(partner)
    values = clean_registration_fields(
        {
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
        }
    )
    refuse_duplicate_ref(partner, values["external_ref"])
    registration = DealRegistration(
        partner=partner,
        registered_by=actor,
        distributor=distributor,
        source_lead=source_lead,
        **values,
    )
    normalize_fields(registration)
    try:
        # A savepoint, so a concurrent import of the same CRM reference fails cleanly.
        with transaction.atomic():
            registration.save()
    except IntegrityError as exc:
        raise DuplicateRegistration(details={"external_ref": values["external_ref"]}) from exc
    record_event(
        registration,
        actor=actor,
        verb="deal.created",
        to_state=Status.DRAFT,
        data={"distributor": distributor.pk} if distributor else None,
    )
    if submit:
        registration = submit_registration(
            registration=registration, actor=actor, notify_reviewers=notify_reviewers
        )
    return registration


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


# --- Submission and decisions ----------------------------------------------------------------


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
    previous = registration.move_to(Status.SUBMITTED)
    now = timezone.now()
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
    record_event(
        registration,
        actor=actor,
        verb="deal.resubmitted" if is_resubmission else "deal.submitted",
        from_state=previous,
        to_state=Status.SUBMITTED,
        rule=_("Decision due within %(n)d business days")
        % {"n": program.approval_sla_business_days},
        data={"sla_due_at": registration.sla_due_at.isoformat()},
    )
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


@transaction.atomic
def request_more_info(
    *, registration: DealRegistration, actor: User, reason: str
) -> DealRegistration:
    registration = lock_registration(registration)
    require_decider(actor, registration)
    reason = required_reason(reason)
    previous = registration.move_to(Status.MORE_INFO)
    # The vendor has answered this submission: the SLA clock stops until the partner resubmits.
    registration.sla_responded_at = registration.sla_responded_at or timezone.now()
    registration.decision_reason = reason
    registration.save(update_fields=["status", "sla_responded_at", "decision_reason", "updated_at"])
    record_event(
        registration,
        actor=actor,
        verb="deal.more_info_requested",
        from_state=previous,
        to_state=Status.MORE_INFO,
        reason=reason,
    )
    notify_partner(registration, kind="deal_more_info", template="more_info", reason=reason)
    return registration


@transaction.atomic
def approve_registration(
    *, registration: DealRegistration, actor: User, reason: str = ""
) -> DealRegistration:
    """Approve and start the protection window (``protection_days``; none when 0).

    Refused while a candidate conflict is still open, and when an earlier registration that
    holds protection won the conflict: first registered, first protected."""
    registration = lock_registration(registration)
    require_decider(actor, registration)
    previous = registration.move_to(Status.APPROVED)
    _refuse_conflicting_approval(registration)
    program = DealProgramSettings.current()
    now = timezone.now()
    registration.protected_until = (
        now + dt.timedelta(days=program.protection_days) if program.protection_days else None
    )
    registration.decided_at = now
    registration.decided_by = actor
    registration.decision_reason = (reason or "").strip()
    registration.sla_responded_at = registration.sla_responded_at or now
    registration.expiry_reminded_at = None
    registration.save(
        update_fields=[
            "status",
            "protected_until",
            "decided_at",
            "decided_by",
            "decision_reason",
            "sla_responded_at",
            "expiry_reminded_at",
            "updated_at",
        ]
    )
    record_event(
        registration,
        actor=actor,
        verb="deal.approved",
        from_state=previous,
        to_state=Status.APPROVED,
        reason=registration.decision_reason,
        rule=_("Protection window: %(n)d days") % {"n": program.protection_days}
        if program.protection_days
        else _("No protection window"),
        data={
            "protected_until": registration.protected_until.isoformat()
            if registration.protected_until
            else None
        },
    )
    notify_partner(
        registration, kind="deal_approved", template="approved", reason=registration.decision_reason
    )
    return registration


def _refuse_conflicting_approval(registration: DealRegistration) -> None:
    open_ids = list(
        registration.conflicts.filter(resolution=DealConflict.Resolution.OPEN).values_list(
            "pk", flat=True
        )
    )
    if open_ids:
        raise UnresolvedConflicts(details={"conflicts": open_ids})
    holder = (
        registration.conflicts.filter(
            resolution=DealConflict.Resolution.FIRST_REGISTERED_WINS,
            existing_registration__status=Status.APPROVED,
            existing_registration__protected_until__gt=timezone.now(),
        )
        .values_list("existing_registration_id", "existing_registration__protected_until")
        .first()
    )
    if holder:
        raise AccountAlreadyProtected(
            details={
                "registration": holder[0],
                "protected_until": holder[1].isoformat() if holder[1] else None,
            }
        )


@transaction.atomic
def reject_registration(
    *, registration: DealRegistration, actor: User, reason: str
) -> DealRegistration:
    registration = lock_registration(registration)
    require_decider(actor, registration)
    reason = required_reason(reason)
    previous = registration.move_to(Status.REJECTED)
    now = timezone.now()
    registration.decided_at = now
    registration.decided_by = actor
    registration.decision_reason = reason
    registration.sla_responded_at = registration.sla_responded_at or now
    registration.save(
        update_fields=[
            "status",
            "decided_at",
            "decided_by",
            "decision_reason",
            "sla_responded_at",
            "updated_at",
        ]
    )
    record_event(
        registration,
        actor=actor,
        verb="deal.rejected",
        from_state=previous,
        to_state=Status.REJECTED,
        reason=reason,
    )
    program = DealProgramSettings.current()
    notify_partner(
        registration,
        kind="deal_rejected",
        template="rejected",
        reason=reason,
        resubmissions_left=max(program.max_resubmissions - registration.resubmission_count, 0),
    )
    return registration


@transaction.atomic
def withdraw_registration(
    *, registration: DealRegistration, actor: User, reason: str = ""
) -> DealRegistration:
    """The partner takes a registration back before a decision (ops may do it for them)."""
    registration = lock_registration(registration)
    if not (acts_for_partner(actor, registration.partner) or actor.is_program_ops):
        raise DealNotAllowed()
    previous = registration.move_to(Status.WITHDRAWN)
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


# --- Outcome ---------------------------------------------------------------------------------


@transaction.atomic
def record_outcome(
    *,
    registration: DealRegistration,
    actor: User,
    outcome: str,
    closed_amount=None,
    closed_on: dt.date | None = None,
    closed_products: Iterable[str] = (),
    discount_amount=None,
    cost_amount=None,
    lost_reason: str = "",
) -> DealRegistration:
    """Close an approved registration as won (amount, date, products, discount and cost, so
    contribution margin can be computed) or lost (with the reason)."""
    if outcome not in (Status.WON, Status.LOST):
        raise InvalidDealData(
            _("The outcome must be won or lost."), details={"outcome": _("Use won or lost.")}
        )
    registration = lock_registration(registration)
    if not (acts_for_partner(actor, registration.partner) or can_decide(actor, registration)):
        raise DealNotAllowed()
    previous = registration.move_to(outcome)
    if outcome == Status.WON:
        fields = _clean_won(
            registration, closed_amount, closed_on, closed_products, discount_amount, cost_amount
        )
    else:
        fields = {"lost_reason": required_reason(lost_reason, field="lost_reason")}
    for name, value in fields.items():
        setattr(registration, name, value)
    registration.save(update_fields=["status", *fields, "updated_at"])
    _close_pending_extensions(registration, outcome)
    record_event(
        registration,
        actor=actor,
        verb=f"deal.{outcome}",
        from_state=previous,
        to_state=outcome,
        reason=fields.get("lost_reason", ""),
        data={name: jsonable(value) for name, value in fields.items() if name != "lost_reason"},
    )
    recipients = [*reviewers_for(registration.partner), *partner_side_recipients(registration)]
    notify(
        [user for user in recipients if user.pk != actor.pk],
        kind="deal_outcome",
        template="deals/email/outcome",
        context={"registration": registration},
        url=registration.get_absolute_url(),
    )
    return registration


def _clean_won(registration, closed_amount, closed_on, closed_products, discount, cost) -> dict:
    errors = {}
    values: dict = {"closed_products": []}
    currency = registration.currency
    for name, raw, required in (
        ("closed_amount", closed_amount, True),
        ("discount_amount", discount, False),
        ("cost_amount", cost, False),
    ):
        try:
            amount = parse_amount(raw, required=required)
            values[name] = quantize(amount, currency) if amount is not None else None
        except ValueError as exc:
            errors[name] = str(exc)
    if not isinstance(closed_on, dt.date) or isinstance(closed_on, dt.datetime):
        errors["closed_on"] = _("Give the close date (YYYY-MM-DD).")
    elif closed_on > timezone.localdate():
        errors["closed_on"] = _("The close date must not be in the future.")
    elif closed_on < timezone.localtime(registration.created_at).date() - dt.timedelta(days=366):
        errors["closed_on"] = _(
            "The close date must not be more than a year before the deal was registered."
        )
    else:
        values["closed_on"] = closed_on
    try:
        values["closed_products"] = clean_products(closed_products or [])
    except ValueError as exc:
        errors["closed_products"] = str(exc)
    if errors:
        raise InvalidDealData(
            _("A won deal needs its closed amount and close date: %(summary)s")
            % {"summary": "; ".join(f"{k}: {v}" for k, v in errors.items())},
            details=errors,
        )
    return values


def _close_pending_extensions(registration: DealRegistration, outcome: str) -> None:
    registration.extension_requests.filter(status=ExtensionRequest.Status.PENDING).update(
        status=ExtensionRequest.Status.REJECTED,
        decided_at=timezone.now(),
        decision_reason=_("The registration was closed as %(outcome)s before a decision.")
        % {"outcome": outcome},
    )


def _registering_distributor(actor: User, partner: Partner) -> Partner | None:
    """None when the actor belongs to the partner; its distributor when the actor registers on
    a reseller's behalf as the distributor's admin; refused otherwise."""
    if partner.pk in partner_access(actor).member_of:
        return None
    if acts_for_partner(actor, partner):
        return partner.parent_distributor
    raise DealNotAllowed(
        _("You cannot register deals for %(partner)s.") % {"partner": partner.display_name}
    )
