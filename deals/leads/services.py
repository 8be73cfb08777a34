"""Writes to leads: creation, routing, offers with an accept-by deadline, acceptance,
rejection, recall of lapsed offers with re-routing, and conversion into a deal registration.

Every offer is a ``LeadOffer`` row, the source of the acceptance metrics. Each function takes the
acting user, runs in a transaction, locks the lead and writes an audit row.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner, Region
from prm.audit import record_event
from prm.countries import is_country_code
from prm.exceptions import Conflict, DomainError, InvalidTransition, PermissionDenied
from prm.models import User
from prm.money import CURRENCY_DECIMALS, default_currency, parse_amount, quantize
from prm.notifications import notify, resolve
from prm.text import clean_name
from prm.webhooks import publish

from ..models import DealProgramSettings, DealRegistration, Lead, LeadOffer
from .selectors import (
    _active,
    acts_for,
    can_manage_lead,
    can_offer_to,
    current_offer,
    declined_partner_ids,
    first_route,
    partner_recipients,
    route_trials,
    vendor_recipients,
)

Status = Lead.Status
Outcome = LeadOffer.Outcome
RECALL_RULE = "accept-by deadline passed"


class InvalidLeadData(DomainError):
    """Some fields are missing or invalid. ``details`` maps each field to its messages."""

    code = "invalid_lead_data"
    status_code = 400


class LeadNotAllowed(PermissionDenied):
    """You are not allowed to do this with this lead."""

    code = "lead_not_allowed"


class LeadDeadlinePassed(Conflict):
    """The time to accept this lead has passed; it will be offered to another partner."""

    code = "lead_deadline_passed"


class LeadOfferRefused(Conflict):
    """This lead cannot be offered to that partner."""

    code = "lead_offer_refused"


def _require(allowed: bool, message: str = "") -> None:
    if not allowed:
        raise LeadNotAllowed(message or _("You are not allowed to do this with this lead."))


# --- Creating ----------------------------------------------------------------------------------

LEAD_FIELDS = (
    "company_name",
    "contact_name",
    "contact_email",
    "country",
    "region",
    "industry",
    "specialty",
    "description",
    "estimated_amount",
    "currency",
)


@transaction.atomic
def create_lead(*, actor: User, **fields) -> Lead:
    """A new lead from the vendor (ops or a channel account manager), not yet offered."""
    _require(_active(actor) and actor.is_internal, _("Only the vendor's staff create leads."))
    unknown = sorted(set(fields) - set(LEAD_FIELDS))
    if unknown:
        raise InvalidLeadData(
            _("Unknown fields."), details={name: [_("Unknown field.")] for name in unknown}
        )
    values = clean_lead_fields(fields)
    lead = Lead.objects.create(created_by=actor, **values)
    record_event(lead, actor=actor, verb="lead.created", to_state=lead.status)
    return lead


def clean_lead_fields(fields: dict) -> dict:
    errors: dict[str, list[str]] = {}
    values = {}
    for name in LEAD_FIELDS:
        try:
            values[name] = _CLEANERS[name](fields.get(name))
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise InvalidLeadData(_("Some fields are not valid."), details=errors)
    if values["estimated_amount"] is not None:
        values["estimated_amount"] = quantize(values["estimated_amount"], values["currency"])
    return values


def _text(limit: int, *, required: bool = False, is_name: bool = False):
    def clean(value) -> str:
        text = clean_name(value) if is_name else str(value or "").strip()
        if required and not text:
            raise ValidationError(_("This field is required."))
        if len(text) > limit:
            raise ValidationError(_("At most %(n)d characters.") % {"n": limit})
        return text

    return clean


def _country(value) -> str:
    code = str(value or "").strip().upper()
    if not is_country_code(code):
        raise ValidationError(_("Use a two-letter ISO country code such as US or DE."))
    return code


def _region(value) -> str:
    code = str(value or "").strip().upper()
    if code and code not in Region.values:
        raise ValidationError(_("Use one of: %(codes)s.") % {"codes": ", ".join(Region.values)})
    return code


def _email(value) -> str:
    text = str(value or "").strip().lower()
    if text:
        validate_email(text)
    return text


def _amount(value) -> Decimal | None:
    try:
        return parse_amount(value, required=False)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def _currency(value) -> str:
    code = str(value or default_currency()).strip().upper()
    if code not in CURRENCY_DECIMALS:
        raise ValidationError(_("Unknown currency code."))
    return code


_CLEANERS = {
    "company_name": _text(200, required=True, is_name=True),
    "contact_name": _text(150, is_name=True),
    "contact_email": _email,
    "country": _country,
    "region": _region,
    "industry": _text(80),
    "specialty": _text(120),
    "description": _text(10_000),
    "estimated_amount": _amount,
    "currency": _currency,
}


# --- Routing and offering ----------------------------------------------------------------------


def _lock(lead: Lead) -> Lead:
    return Lead.objects.select_for_update(of=("self",)).select_related("partner").get(pk=lead.pk)


@transaction.atomic
def route_lead(*, lead: Lead, actor: User | None = None) -> LeadOffer | None:
    """Offer the lead through the first active routing rule (lowest priority number first) that
    applies to it and has a matching partner; None when no rule finds one (the lead stays as
    it is for someone to offer it by hand). ``actor`` None is the system (recall job)."""
    lead = _lock(lead)
    if actor is not None:
        _require(can_manage_lead(actor, lead))
    if not lead.can_move_to(Status.OFFERED):
        raise InvalidTransition(_("Lead"), lead.status, Status.OFFERED)
    excluded = declined_partner_ids(lead)
    # The routing tester in the program pages runs the same trials without offering.
    route = first_route(route_trials(lead, exclude=excluded))
    if route is not None and route.chosen is not None:
        return _offer(lead, route.chosen, actor=actor, rule=route.rule)
    record_event(lead, actor=actor, verb="lead.routing_unmatched", data={"excluded": excluded})
    return None


@transaction.atomic
def offer_lead(*, lead: Lead, partner: Partner, actor: User) -> LeadOffer:
    """Offer the lead to a chosen partner by hand (ops, or the partner's channel manager)."""
    lead = _lock(lead)
    _require(can_manage_lead(actor, lead) and can_offer_to(actor, partner))
    return _offer(lead, partner, actor=actor, rule=None)


def _offer(lead: Lead, partner: Partner, *, actor, rule) -> LeadOffer:
    if partner.status != Partner.Status.ACTIVE:
        raise LeadOfferRefused(_("Only active partners receive leads."))
    if partner.pk in declined_partner_ids(lead):
        raise LeadOfferRefused(
            _("%(partner)s already rejected this lead or let it lapse.") % {"partner": partner}
        )
    previous = lead.move_to(Status.OFFERED)
    now = timezone.now()
    lead.partner = partner
    lead.routing_rule = rule
    lead.offered_at = now
    lead.accept_by = now + dt.timedelta(hours=DealProgramSettings.current().lead_accept_hours)
    lead.responded_at = None
    lead.rejection_reason = ""
    lead.save(
        update_fields=[
            "status",
            "partner",
            "routing_rule",
            "offered_at",
            "accept_by",
            "responded_at",
            "rejection_reason",
            "updated_at",
        ]
    )
    offer = LeadOffer.objects.create(
        lead=lead, partner=partner, offered_at=now, accept_by=lead.accept_by
    )
    record_event(
        lead,
        actor=actor,
        verb="lead.offered",
        from_state=previous,
        to_state=lead.status,
        rule=f"routing rule: {rule.name}" if rule else "",
        data={"partner": partner.pk, "offer": offer.pk, "accept_by": lead.accept_by.isoformat()},
    )
    publish("lead.offered", lead, partner=partner)
    notify(
        partner_recipients(partner),
        kind="lead_offered",
        template="deals/email/lead_offered",
        context=_snapshot(lead),
        url=lead.get_absolute_url(),
    )
    return offer


def _offer_over(lead: Lead, previous: str) -> None:
    """The lead has left ``previous``: once it is no longer offered, the partner's notice of the
    offer leaves its users' bells."""
    if previous == Status.OFFERED:
        resolve(lead.get_absolute_url(), ("lead_offered",))


def _answer(lead: Lead, actor: User, target: str) -> tuple[Lead, LeadOffer | None, str]:
    lead = _lock(lead)
    _require(acts_for(actor, lead.partner))
    if not lead.can_move_to(target):
        raise InvalidTransition(_("Lead"), lead.status, target)
    now = timezone.now()
    if lead.accept_by is not None and now > lead.accept_by:
        raise LeadDeadlinePassed()
    previous = lead.move_to(target)
    _offer_over(lead, previous)
    lead.responded_at = now
    return lead, current_offer(lead), previous


@transaction.atomic
def accept_lead(*, lead: Lead, actor: User) -> Lead:
    lead, offer, previous = _answer(lead, actor, Status.ACCEPTED)
    lead.save(update_fields=["status", "responded_at", "updated_at"])
    if offer is not None:
        offer.outcome, offer.responded_at = Outcome.ACCEPTED, lead.responded_at
        offer.save(update_fields=["outcome", "responded_at"])
    record_event(lead, actor=actor, verb="lead.accepted", from_state=previous, to_state=lead.status)
    publish("lead.accepted", lead, partner=lead.partner_id)
    notify(
        vendor_recipients(lead),
        kind="lead_accepted",
        template="deals/email/lead_accepted",
        context=_snapshot(lead),
        url=lead.get_absolute_url(),
    )
    return lead


@transaction.atomic
def reject_lead(*, lead: Lead, actor: User, reason: str) -> Lead:
    """The partner declines the offer; the reason goes to the vendor, who may route the lead
    again (never back to this partner) or close it."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidLeadData(
            _("Give a reason for rejecting the lead."),
            details={"reason": [_("This field is required.")]},
        )
    lead, offer, previous = _answer(lead, actor, Status.REJECTED)
    lead.rejection_reason = reason
    lead.save(update_fields=["status", "responded_at", "rejection_reason", "updated_at"])
    if offer is not None:
        offer.outcome, offer.responded_at, offer.reason = (
            Outcome.REJECTED,
            lead.responded_at,
            reason,
        )
        offer.save(update_fields=["outcome", "responded_at", "reason"])
    record_event(
        lead,
        actor=actor,
        verb="lead.rejected",
        from_state=previous,
        to_state=lead.status,
        reason=reason,
    )
    notify(
        vendor_recipients(lead),
        kind="lead_rejected",
        template="deals/email/lead_rejected",
        context={**_snapshot(lead), "reason": reason},
        url=lead.get_absolute_url(),
    )
    return lead


@transaction.atomic
def close_lead(*, lead: Lead, actor: User, reason: str) -> Lead:
    """The vendor takes a lead out of circulation (duplicate, no longer relevant)."""
    lead = _lock(lead)
    _require(can_manage_lead(actor, lead))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidLeadData(
            _("Give a reason for closing the lead."),
            details={"reason": [_("This field is required.")]},
        )
    previous = lead.move_to(Status.CLOSED)
    _offer_over(lead, previous)
    lead.save(update_fields=["status", "updated_at"])
    record_event(
        lead, actor=actor, verb="lead.closed", from_state=previous, to_state=lead.status,
        reason=reason,
    )  # fmt: skip
    return lead


@transaction.atomic
def convert_lead(*, lead: Lead, actor: User, **registration_fields) -> DealRegistration:
    """Turn an accepted lead into a deal registration of the partner that accepted it. Fields
    not given come from the lead; the vendor found the customer, so the deal counts as
    partner-influenced unless said otherwise."""
    from ..services import create_registration

    lead = _lock(lead)
    partner = lead.partner
    if partner is None or not acts_for(actor, partner):
        raise LeadNotAllowed()
    if not lead.can_move_to(Status.CONVERTED):
        raise InvalidTransition(_("Lead"), lead.status, Status.CONVERTED)
    defaults = {
        "customer_name": lead.company_name,
        "country": lead.country,
        "contact_name": lead.contact_name,
        "contact_email": lead.contact_email,
        "industry": lead.industry,
        "estimated_amount": lead.estimated_amount,
        "currency": lead.currency,
        "notes": lead.description,
        "sourcing": DealRegistration.Sourcing.INFLUENCED,
    }
    fields = {**defaults, **{k: v for k, v in registration_fields.items() if v is not None}}
    registration = create_registration(actor=actor, partner=partner, source_lead=lead, **fields)
    previous = lead.move_to(Status.CONVERTED)
    lead.save(update_fields=["status", "updated_at"])
    record_event(
        lead,
        actor=actor,
        verb="lead.converted",
        from_state=previous,
        to_state=lead.status,
        data={"registration": registration.pk},
    )
    return registration


# --- Recall ------------------------------------------------------------------------------------


def recall_overdue_leads(*, now: dt.datetime | None = None) -> int:
    """Recall every offer whose accept-by time has passed and route the lead to the next
    partner. Each lead is handled in its own transaction; running twice recalls nothing new."""
    now = now or timezone.now()
    due = list(
        Lead.objects.filter(status=Status.OFFERED, accept_by__lt=now)
        .order_by("accept_by", "pk")
        .values_list("pk", flat=True)
    )
    return sum(_recall_one(pk, now) for pk in due)


@transaction.atomic
def _recall_one(pk: int, now: dt.datetime) -> int:
    lead = (
        Lead.objects.select_for_update(of=("self",)).select_related("partner").filter(pk=pk).first()
    )
    # Re-checked under the lock: the partner may have answered since the list was read.
    if (
        lead is None
        or lead.status != Status.OFFERED
        or lead.accept_by is None
        or lead.accept_by >= now
    ):
        return 0
    partner = lead.partner
    previous = lead.move_to(Status.RECALLED)
    _offer_over(lead, previous)
    lead.save(update_fields=["status", "updated_at"])
    offer = current_offer(lead)
    if offer is not None:
        offer.outcome, offer.responded_at = Outcome.RECALLED, now
        offer.save(update_fields=["outcome", "responded_at"])
    record_event(
        lead, actor=None, verb="lead.recalled", from_state=previous, to_state=lead.status,
        rule=RECALL_RULE, data={"partner": partner.pk if partner else None},
    )  # fmt: skip
    publish("lead.recalled", lead, partner=partner)
    snapshot = _snapshot(lead)
    next_offer = route_lead(lead=lead)
    notify(
        partner_recipients(partner),
        kind="lead_recalled",
        template="deals/email/lead_recalled",
        context={**snapshot, "for_partner": True},
        url="",
    )
    notify(
        vendor_recipients(lead, partner=partner),
        kind="lead_recalled",
        template="deals/email/lead_recalled",
        context={
            **snapshot,
            "for_partner": False,
            "next_partner": next_offer.partner.display_name if next_offer else "",
        },
        url=lead.get_absolute_url(),
    )
    return 1


def _snapshot(lead: Lead) -> dict:
    # Values frozen now: the mail is rendered after commit, when the lead may have moved on.
    return {
        "lead_id": lead.pk,
        "company_name": lead.company_name,
        "country": lead.country,
        "partner_name": lead.partner.display_name if lead.partner else "",
        "accept_by": lead.accept_by,
        "status_label": lead.get_status_display(),
    }
