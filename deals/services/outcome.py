"""Closing an approved registration: won (amount, date, products, discount and cost) or lost."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.models import User
from prm.money import parse_amount, quantize
from prm.notifications import notify, resolve
from prm.webhooks import publish

from ..exceptions import DealNotAllowed, InvalidDealData
from ..models import DealRegistration, ExtensionRequest
from ..selectors import acts_for_partner, can_decide, partner_side_recipients, reviewers_for
from ._common import (
    KIND_EXTENSION_REQUESTED,
    extension_url,
    jsonable,
    lock_registration,
    required_reason,
    state_left,
)
from .fields import clean_products

Status = DealRegistration.Status


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
        fields = clean_won_fields(
            registration, closed_amount, closed_on, closed_products, discount_amount, cost_amount
        )
    else:
        fields = {"lost_reason": required_reason(lost_reason, field="lost_reason")}
    for name, value in fields.items():
        setattr(registration, name, value)
    registration.save(update_fields=["status", *fields, "updated_at"])
    state_left(registration, previous)
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
    publish(f"deal.{outcome}", registration, partner=registration.partner_id)
    recipients = [*reviewers_for(registration.partner), *partner_side_recipients(registration)]
    notify(
        [user for user in recipients if user.pk != actor.pk],
        kind="deal_outcome",
        template="deals/email/outcome",
        context={"registration": registration},
        url=registration.get_absolute_url(),
    )
    return registration


def clean_won_fields(
    registration, closed_amount, closed_on, closed_products, discount, cost
) -> dict:
    """A won deal's fields checked and normalised; ``InvalidDealData`` names every bad one."""
    errors = {}
    values: dict = {"closed_products": []}
    currency = registration.currency
    # A won deal sold something: its amount is above zero; discount and cost may be nothing.
    for name, raw, required in (
        ("closed_amount", closed_amount, True),
        ("discount_amount", discount, False),
        ("cost_amount", cost, False),
    ):
        try:
            amount = parse_amount(raw, required=required, allow_zero=not required)
            values[name] = quantize(amount, currency) if amount is not None else None
        except ValueError as exc:
            errors[name] = str(exc)
    closed, discount_given = values.get("closed_amount"), values.get("discount_amount")
    if closed is not None and discount_given is not None and discount_given > closed:
        # The analytics take the discount off the revenue: more than was sold is a typo.
        errors["discount_amount"] = _("The discount cannot be more than the closed amount.")
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
    pending = registration.extension_requests.filter(status=ExtensionRequest.Status.PENDING)
    for extension_id in pending.values_list("pk", flat=True):  # no longer to decide
        resolve(extension_url(extension_id), (KIND_EXTENSION_REQUESTED,))
    pending.update(
        status=ExtensionRequest.Status.REJECTED,
        decided_at=timezone.now(),
        decision_reason=_("The registration was closed as %(outcome)s before a decision.")
        % {"outcome": outcome},
    )
