"""Writes to deal registrations: one function per use case.

Every function takes the acting user, runs in a transaction, locks the registration it changes,
checks the allowed transitions in ``DealRegistration.TRANSITIONS``, writes an audit row and queues
notifications for after the commit. The portal, the REST API, the scheduled jobs, the CSV import
and the admin all call these, so a rule holds the same everywhere.

Who may do what:
- the partner side (users of the registration's partner, and admins of its distributor) creates,
  edits, submits, withdraws, records outcomes and asks for extensions;
- the partner's channel account manager, or program ops, decides (more information, approval,
  rejection, extensions). A partner user never decides, not even a partner admin on its own deal;
- outcomes may also come from the vendor side (the CAM, ops, or the CRM through an API key whose
  principal has the ops role).
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner
from partners.selectors import partner_access
from prm.audit import record_event
from prm.locks import lock
from prm.models import User
from prm.money import CURRENCY_DECIMALS, MAX_DIGITS, quantize, to_decimal
from prm.notifications import notify

from . import conflicts
from .countries import is_country_code
from .exceptions import (
    AccountAlreadyProtected,
    DealNotAllowed,
    DuplicateRegistration,
    ExtensionNotAllowed,
    InvalidDealData,
    NotEditable,
    PartnerCannotRegister,
    ResubmissionLimitReached,
    UnresolvedConflicts,
)
from .models import DealConflict, DealProgramSettings, DealRegistration, ExtensionRequest
from .selectors import (
    acts_for_partner,
    can_decide,
    partner_side_recipients,
    reviewers_for,
    sla_escalation_recipients,
)
from .sla import add_business_days

Status = DealRegistration.Status

EDITABLE_FIELDS = (
    "customer_name",
    "customer_domain",
    "contact_name",
    "contact_email",
    "country",
    "industry",
    "product_lines",
    "estimated_amount",
    "currency",
    "expected_close_date",
    "sourcing",
    "engagement",
    "notes",
    "external_ref",
)
_TEXT_LIMITS = {
    "customer_name": 200,
    "contact_name": 150,
    "industry": 80,
    "external_ref": 100,
    "notes": 10_000,
}
_LARGEST_AMOUNT = Decimal(10) ** (MAX_DIGITS - 2)


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
) -> DealRegistration:
    """Register a deal for ``partner``. A distributor admin may register for one of its
    resellers (two-tier): the registration then names the distributor. With ``submit`` the
    registration goes straight to review; otherwise it stays a draft."""
    distributor = _registering_distributor(actor, partner)
    _require_active(partner)
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
    _refuse_duplicate_ref(partner, values["external_ref"])
    registration = DealRegistration(
        partner=partner,
        registered_by=actor,
        distributor=distributor,
        source_lead=source_lead,
        **values,
    )
    _normalize(registration)
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
        registration = submit_registration(registration=registration, actor=actor)
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
    registration = _lock(registration)
    _require_partner_side(actor, registration)
    if registration.status not in (Status.DRAFT, Status.MORE_INFO):
        raise NotEditable()
    values = clean_registration_fields(fields)
    if "estimated_amount" in values:
        currency = values.get("currency", registration.currency)
        values["estimated_amount"] = quantize(values["estimated_amount"], currency)
    if values.get("external_ref"):
        _refuse_duplicate_ref(registration.partner, values["external_ref"], exclude=registration)
    changes = {}
    for name, value in values.items():
        old = getattr(registration, name)
        if old != value:
            changes[name] = [_jsonable(old), _jsonable(value)]
            setattr(registration, name, value)
    if not changes:
        return registration
    _normalize(registration)
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


def clean_registration_fields(fields: dict) -> dict:
    """Validate and normalise the given registration fields; raise ``InvalidDealData`` naming
    every bad field at once. Only the keys present are checked (for partial updates)."""
    values: dict = {}
    errors: dict[str, str] = {}
    for name, raw in fields.items():
        try:
            values[name] = _CLEANERS[name](raw)
        except ValueError as exc:
            errors[name] = str(exc)
    if "estimated_amount" in values and "currency" in values:
        values["estimated_amount"] = quantize(values["estimated_amount"], values["currency"])
    if errors:
        summary = "; ".join(f"{name}: {message}" for name, message in errors.items())
        raise InvalidDealData(
            _("The registration has invalid fields: %(summary)s") % {"summary": summary},
            details=errors,
        )
    return values


def _clean_text(name: str, *, required: bool = False):
    def clean(value) -> str:
        text = str(value or "").strip()
        if required and not text:
            raise ValueError(_("This field is required."))
        limit = _TEXT_LIMITS[name]
        if len(text) > limit:
            raise ValueError(_("Use at most %(n)d characters.") % {"n": limit})
        return text

    return clean


def _clean_country(value) -> str:
    code = str(value or "").strip().upper()
    if not code:
        raise ValueError(_("This field is required."))
    if not is_country_code(code):
        raise ValueError(
            _("%(code)s is not an ISO 3166 country code (use e.g. US, DE, GB).") % {"code": code}
        )
    return code


def _clean_currency(value) -> str:
    code = str(value or "").strip().upper()
    if code not in CURRENCY_DECIMALS:
        raise ValueError(
            _("%(code)s is not a supported currency (%(codes)s).")
            % {"code": code or "''", "codes": ", ".join(sorted(CURRENCY_DECIMALS))}
        )
    return code


def _clean_amount(value, *, required: bool = True) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(_("This field is required."))
        return None
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(_("%(value)s is not an amount.") % {"value": repr(value)}) from exc
    if not amount.is_finite():
        raise ValueError(_("%(value)s is not an amount.") % {"value": repr(value)})
    if amount < 0:
        raise ValueError(_("The amount must not be negative."))
    if amount >= _LARGEST_AMOUNT:
        raise ValueError(_("The amount is too large."))
    return amount


def _clean_close_date(value) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValueError(_("Give a date (YYYY-MM-DD)."))
    if value < timezone.localdate():
        raise ValueError(_("The expected close date must not be in the past."))
    return value


def _clean_domain(value) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    domain = conflicts.registrable_domain(text)
    if not domain:
        raise ValueError(
            _("%(value)s is not a website domain (e.g. example.com).") % {"value": text}
        )
    return domain


def _clean_email(value) -> str:
    text = str(value or "").strip().lower()
    if text:
        try:
            validate_email(text)
        except ValidationError as exc:
            raise ValueError(_("%(value)s is not an email address.") % {"value": text}) from exc
    return text


def _clean_products(value) -> list[str]:
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    if not isinstance(value, Iterable):
        raise ValueError(_("Give a list of product lines."))
    products: list[str] = []
    for item in value:
        name = str(item).strip()
        if name and name not in products:
            products.append(name[:80])
    return products


def _clean_choice(choices):
    def clean(value) -> str:
        if value not in choices.values:
            raise ValueError(
                _("%(value)s is not one of %(allowed)s.")
                % {"value": value or "''", "allowed": ", ".join(choices.values)}
            )
        return value

    return clean


_CLEANERS = {
    "customer_name": _clean_text("customer_name", required=True),
    "customer_domain": _clean_domain,
    "contact_name": _clean_text("contact_name"),
    "contact_email": _clean_email,
    "country": _clean_country,
    "industry": _clean_text("industry"),
    "product_lines": _clean_products,
    "estimated_amount": _clean_amount,
    "currency": _clean_currency,
    "expected_close_date": _clean_close_date,
    "sourcing": _clean_choice(DealRegistration.Sourcing),
    "engagement": _clean_choice(DealRegistration.Engagement),
    "notes": _clean_text("notes"),
    "external_ref": _clean_text("external_ref"),
}


def _normalize(registration: DealRegistration) -> None:
    registration.customer_name_normalized = conflicts.normalize_company_name(
        registration.customer_name
    )[:200]
    # Free-mail domains (gmail.com, …) say nothing about the customer, so they are not stored.
    registration.contact_email_domain = conflicts.company_domain(registration.contact_email)


def _refuse_duplicate_ref(partner: Partner, external_ref: str, *, exclude=None) -> None:
    if not external_ref:
        return
    existing = DealRegistration.objects.filter(partner=partner, external_ref=external_ref)
    if exclude is not None:
        existing = existing.exclude(pk=exclude.pk)
    pk = existing.values_list("pk", flat=True).first()
    if pk is not None:
        raise DuplicateRegistration(
            _("Registration #%(pk)s already uses the CRM reference %(ref)s.")
            % {"pk": pk, "ref": external_ref},
            details={"external_ref": external_ref, "registration": pk},
        )


# --- Submission and decisions ----------------------------------------------------------------


@transaction.atomic
def submit_registration(*, registration: DealRegistration, actor: User) -> DealRegistration:
    """Send a draft (or an answered request for information, or a rejected registration) to
    review. Each submission gets its own SLA due time; a resubmission after rejection counts
    against ``DealProgramSettings.max_resubmissions``. Candidate conflicts are recorded in the
    same transaction."""
    registration = _lock(registration)
    _require_partner_side(actor, registration)
    _require_active(registration.partner)
    program = DealProgramSettings.get()
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
    notify(
        reviewers_for(registration.partner),
        kind="deal_submitted",
        template="deals/email/submitted",
        context={"registration": registration, "resubmission": is_resubmission},
        url=reverse("deals:deal_review", args=[registration.pk]),
    )
    return registration


@transaction.atomic
def request_more_info(
    *, registration: DealRegistration, actor: User, reason: str
) -> DealRegistration:
    registration = _lock(registration)
    _require_decider(actor, registration)
    reason = _required_reason(reason)
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
    _notify_partner(registration, kind="deal_more_info", template="more_info", reason=reason)
    return registration


@transaction.atomic
def approve_registration(
    *, registration: DealRegistration, actor: User, reason: str = ""
) -> DealRegistration:
    """Approve and start the protection window (``protection_days``; none when 0).

    Refused while a candidate conflict is still open, and when an earlier registration that
    holds protection won the conflict: first registered, first protected."""
    registration = _lock(registration)
    _require_decider(actor, registration)
    previous = registration.move_to(Status.APPROVED)
    _refuse_conflicting_approval(registration)
    program = DealProgramSettings.get()
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
    _notify_partner(
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
            details={"registration": holder[0], "protected_until": holder[1].isoformat()}
        )


@transaction.atomic
def reject_registration(
    *, registration: DealRegistration, actor: User, reason: str
) -> DealRegistration:
    registration = _lock(registration)
    _require_decider(actor, registration)
    reason = _required_reason(reason)
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
    program = DealProgramSettings.get()
    _notify_partner(
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
    registration = _lock(registration)
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
    registration = _lock(registration)
    if not (acts_for_partner(actor, registration.partner) or can_decide(actor, registration)):
        raise DealNotAllowed()
    previous = registration.move_to(outcome)
    if outcome == Status.WON:
        fields = _clean_won(
            registration, closed_amount, closed_on, closed_products, discount_amount, cost_amount
        )
    else:
        fields = {"lost_reason": _required_reason(lost_reason, field="lost_reason")}
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
        data={name: _jsonable(value) for name, value in fields.items() if name != "lost_reason"},
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
            amount = _clean_amount(raw, required=required)
            values[name] = quantize(amount, currency) if amount is not None else None
        except ValueError as exc:
            errors[name] = str(exc)
    if not isinstance(closed_on, dt.date) or isinstance(closed_on, dt.datetime):
        errors["closed_on"] = _("Give the close date (YYYY-MM-DD).")
    elif closed_on > timezone.localdate():
        errors["closed_on"] = _("The close date must not be in the future.")
    else:
        values["closed_on"] = closed_on
    try:
        values["closed_products"] = _clean_products(closed_products or [])
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


# --- Protection: extensions, reminders, expiry -----------------------------------------------


@transaction.atomic
def request_extension(
    *, registration: DealRegistration, actor: User, reason: str
) -> ExtensionRequest:
    """Ask for a longer protection window, under the program's policy: none; once (one granted
    extension per registration; a refused request does not use it up); or unlimited, one
    pending request at a time."""
    registration = _lock(registration)
    _require_partner_side(actor, registration)
    reason = _required_reason(reason)
    if registration.status != Status.APPROVED:
        raise ExtensionNotAllowed(_("Only approved registrations can be extended."))
    if registration.protected_until is None:
        raise ExtensionNotAllowed(_("This registration has no protection window to extend."))
    program = DealProgramSettings.get()
    policy = DealProgramSettings.ExtensionPolicy
    if program.extension_policy == policy.NONE:
        raise ExtensionNotAllowed(_("The program does not allow extensions."))
    if registration.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists():
        raise ExtensionNotAllowed(_("An extension request is already waiting for a decision."))
    if program.extension_policy == policy.ONCE and registration.extension_count >= 1:
        raise ExtensionNotAllowed(_("This registration has already been extended once."))
    try:
        with transaction.atomic():
            extension = ExtensionRequest.objects.create(
                registration=registration, requested_by=actor, reason=reason
            )
    except IntegrityError as exc:  # a second request raced past the check above
        raise ExtensionNotAllowed(
            _("An extension request is already waiting for a decision.")
        ) from exc
    record_event(
        registration,
        actor=actor,
        verb="deal.extension_requested",
        reason=reason,
        rule=program.get_extension_policy_display(),
        data={"extension": extension.pk},
    )
    notify(
        reviewers_for(registration.partner),
        kind="deal_extension_requested",
        template="deals/email/extension_requested",
        context={"registration": registration, "extension": extension},
        url=reverse("deals:extension_queue"),
    )
    return extension


@transaction.atomic
def decide_extension(
    *, extension: ExtensionRequest, actor: User, approve: bool, reason: str = ""
) -> ExtensionRequest:
    """Grant ``extension_days`` more protection (counted from the later of now and the current
    end) or refuse, with a reason."""
    # Parent before child, as everywhere: the registration, then its extension request.
    registration = lock(DealRegistration, extension.registration_id)
    extension = lock(ExtensionRequest, extension.pk)
    _require_decider(actor, registration)
    if extension.status != ExtensionRequest.Status.PENDING:
        raise ExtensionNotAllowed(_("This extension request has already been decided."))
    if registration.status != Status.APPROVED:
        raise ExtensionNotAllowed(_("Only approved registrations can be extended."))
    reason = (reason or "").strip()
    if not approve:
        reason = _required_reason(reason)
    now = timezone.now()
    program = DealProgramSettings.get()
    previous_end = registration.protected_until
    if approve:
        base = max(previous_end or now, now)
        registration.protected_until = base + dt.timedelta(days=program.extension_days)
        registration.extension_count += 1
        registration.expiry_reminded_at = None
        registration.save(
            update_fields=["protected_until", "extension_count", "expiry_reminded_at", "updated_at"]
        )
        extension.new_protected_until = registration.protected_until
    extension.status = (
        ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REJECTED
    )
    extension.decided_by = actor
    extension.decided_at = now
    extension.decision_reason = reason
    extension.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "new_protected_until",
        ]
    )
    record_event(
        extension,
        actor=actor,
        verb=f"extension.{extension.status}",
        from_state=ExtensionRequest.Status.PENDING,
        to_state=extension.status,
        reason=reason,
    )
    record_event(
        registration,
        actor=actor,
        verb="deal.extension_approved" if approve else "deal.extension_rejected",
        reason=reason,
        rule=_("%(n)d days per extension") % {"n": program.extension_days},
        data={
            "extension": extension.pk,
            "from": _jsonable(previous_end),
            "to": _jsonable(registration.protected_until),
        },
    )
    _notify_partner(
        registration,
        kind="deal_extension_decided",
        template="extension_decided",
        reason=reason,
        extension=extension,
    )
    return extension


def expire_registrations(*, now: dt.datetime | None = None) -> int:
    """Expire approved registrations whose protection ended. A registration with an extension
    request still waiting for the manager is left alone: the partner asked in time. Safe to run
    twice: each row is re-checked under its lock."""
    now = now or timezone.now()
    candidates = (
        DealRegistration.objects.filter(status=Status.APPROVED, protected_until__lte=now)
        .exclude(extension_requests__status=ExtensionRequest.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(_expire_one(pk, now) for pk in list(candidates))


@transaction.atomic
def _expire_one(pk: int, now: dt.datetime) -> int:
    registration = lock(DealRegistration, pk)
    if (
        not (
            registration.status == Status.APPROVED
            and registration.protected_until is not None
            and registration.protected_until <= now
        )
        or registration.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists()
    ):
        return 0
    previous = registration.move_to(Status.EXPIRED)
    registration.save(update_fields=["status", "updated_at"])
    record_event(
        registration,
        actor=None,
        verb="deal.expired",
        from_state=previous,
        to_state=Status.EXPIRED,
        rule=_("Protection ended on %(date)s") % {"date": _jsonable(registration.protected_until)},
    )
    _notify_partner(registration, kind="deal_expired", template="expired")
    return 1


def send_expiry_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind the partner ``expiry_reminder_days`` before protection ends, once per window
    (an approved extension opens a new window and so a new reminder)."""
    now = now or timezone.now()
    program = DealProgramSettings.get()
    if not program.expiry_reminder_days:
        return 0
    horizon = now + dt.timedelta(days=program.expiry_reminder_days)
    pks = list(
        DealRegistration.objects.filter(
            status=Status.APPROVED,
            expiry_reminded_at__isnull=True,
            protected_until__gt=now,
            protected_until__lte=horizon,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(_remind_expiry(pk, now) for pk in pks)


@transaction.atomic
def _remind_expiry(pk: int, now: dt.datetime) -> int:
    # The conditional update claims the reminder, so two runs never both send it.
    claimed = DealRegistration.objects.filter(
        pk=pk, status=Status.APPROVED, expiry_reminded_at__isnull=True
    ).update(expiry_reminded_at=now)
    if not claimed:
        return 0
    registration = DealRegistration.objects.select_related("partner").get(pk=pk)
    record_event(registration, actor=None, verb="deal.expiry_reminder_sent")
    _notify_partner(registration, kind="deal_expiry_reminder", template="expiry_reminder")
    return 1


# --- Approval SLA ----------------------------------------------------------------------------


def process_sla(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Remind reviewers ``sla_reminder_hours`` before a submission is due, and escalate to the
    partner's team lead (or to program ops when there is none) once it is overdue. Each happens
    at most once per submission: resubmitting resets both."""
    now = now or timezone.now()
    program = DealProgramSettings.get()
    waiting = DealRegistration.objects.filter(
        status=Status.SUBMITTED, sla_due_at__isnull=False, sla_escalated_at__isnull=True
    ).order_by("pk")
    due_soon = waiting.filter(
        sla_reminded_at__isnull=True,
        sla_due_at__gt=now,
        sla_due_at__lte=now + dt.timedelta(hours=program.sla_reminder_hours),
    ).values_list("pk", flat=True)
    overdue = waiting.filter(sla_due_at__lte=now).values_list("pk", flat=True)
    return {
        "reminded": sum(_remind_reviewer(pk, now) for pk in list(due_soon)),
        "escalated": sum(_escalate(pk, now) for pk in list(overdue)),
    }


@transaction.atomic
def _remind_reviewer(pk: int, now: dt.datetime) -> int:
    claimed = DealRegistration.objects.filter(
        pk=pk, status=Status.SUBMITTED, sla_reminded_at__isnull=True
    ).update(sla_reminded_at=now)
    if not claimed:
        return 0
    registration = DealRegistration.objects.select_related("partner").get(pk=pk)
    record_event(registration, actor=None, verb="deal.sla_reminder_sent")
    notify(
        reviewers_for(registration.partner),
        kind="deal_sla_reminder",
        template="deals/email/sla_reminder",
        context={"registration": registration},
        url=reverse("deals:deal_review", args=[pk]),
    )
    return 1


@transaction.atomic
def _escalate(pk: int, now: dt.datetime) -> int:
    claimed = DealRegistration.objects.filter(
        pk=pk, status=Status.SUBMITTED, sla_escalated_at__isnull=True, sla_due_at__lte=now
    ).update(sla_escalated_at=now)
    if not claimed:
        return 0
    registration = DealRegistration.objects.select_related(
        "partner__team__lead", "partner__channel_manager"
    ).get(pk=pk)
    recipients = sla_escalation_recipients(registration.partner)
    record_event(
        registration,
        actor=None,
        verb="deal.sla_escalated",
        rule=_("Decision was due %(due)s") % {"due": _jsonable(registration.sla_due_at)},
        data={"escalated_to": [user.email for user in recipients]},
    )
    notify(
        recipients,
        kind="deal_sla_escalation",
        template="deals/email/sla_escalation",
        context={"registration": registration},
        url=reverse("deals:deal_review", args=[pk]),
    )
    return 1


# --- Helpers ---------------------------------------------------------------------------------


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


def _lock(registration: DealRegistration) -> DealRegistration:
    return lock(DealRegistration, registration.pk)


def _require_partner_side(actor: User, registration: DealRegistration) -> None:
    if not acts_for_partner(actor, registration.partner):
        raise DealNotAllowed()


def _require_decider(actor: User, registration: DealRegistration) -> None:
    if not can_decide(actor, registration):
        raise DealNotAllowed(
            _("Only the partner's channel account manager or program operations can decide.")
        )


def _require_active(partner: Partner) -> None:
    if partner.status != Partner.Status.ACTIVE:
        raise PartnerCannotRegister(
            _("%(partner)s is %(status)s; only active partners can register deals.")
            % {"partner": partner, "status": partner.get_status_display().lower()}
        )


def _required_reason(reason: str, *, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidDealData(_("Give a reason."), details={field: _("Give a reason.")})
    return text


def _notify_partner(registration: DealRegistration, *, kind: str, template: str, **context):
    notify(
        partner_side_recipients(registration),
        kind=kind,
        template=f"deals/email/{template}",
        context={"registration": registration, **context},
        url=registration.get_absolute_url(),
    )


def _jsonable(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
