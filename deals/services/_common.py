"""Helpers shared by the deal services: locking, rights checks, reasons, notifications."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner
from prm.locks import lock
from prm.models import User
from prm.notifications import notify, resolve

from ..exceptions import (
    DealNotAllowed,
    InvalidDealData,
    PartnerCannotRegister,
)
from ..models import DealRegistration
from ..selectors import (
    acts_for_partner,
    can_decide,
    partner_side_recipients,
)


def lock_registration(registration: DealRegistration) -> DealRegistration:
    return lock(DealRegistration, registration.pk)


def require_partner_side(actor: User, registration: DealRegistration) -> None:
    if not acts_for_partner(actor, registration.partner):
        raise DealNotAllowed()


def require_decider(actor: User, registration: DealRegistration) -> None:
    if not can_decide(actor, registration):
        raise DealNotAllowed(
            _("Only the partner's channel account manager or program operations can decide.")
        )


def require_active(partner: Partner) -> None:
    if partner.status != Partner.Status.ACTIVE:
        raise PartnerCannotRegister(
            _("%(partner)s is %(status)s; only active partners can register deals.")
            % {"partner": partner, "status": partner.get_status_display().lower()}
        )


def required_reason(reason: str, *, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidDealData(_("Give a reason."), details={field: _("Give a reason.")})
    return text


# The notifications asking reviewers to decide a submission (they link to its review page).
REVIEW_KINDS = ("deal_submitted", "deal_sla_reminder", "deal_sla_escalation")


# The notification asking a partner to close a deal or ask for more time before its protection
# ends, and the one asking reviewers to decide an extension request (linked to its queue row).
KIND_EXPIRY_REMINDER = "deal_expiry_reminder"
KIND_EXTENSION_REQUESTED = "deal_extension_requested"


def state_left(registration: DealRegistration, previous: str) -> None:
    """``registration`` has left ``previous``: the notifications that asked someone to act on
    it there (reviewers to decide a submission, the partner to answer a request for more
    information, or to close the deal or extend it before its protection ends) leave their
    bells."""
    Status = DealRegistration.Status
    if previous == Status.SUBMITTED:
        resolve(reverse("deals:deal_review", args=[registration.pk]), REVIEW_KINDS)
    elif previous == Status.MORE_INFO:
        resolve(registration.get_absolute_url(), ("deal_more_info",))
    elif previous == Status.APPROVED:
        resolve(registration.get_absolute_url(), (KIND_EXPIRY_REMINDER,))


def extension_url(extension_id: int) -> str:
    """Where reviewers decide an extension request: its row of the extension queue."""
    return f"{reverse('deals:extension_queue')}#extension-{extension_id}"


def notify_partner(registration: DealRegistration, *, kind: str, template: str, **context):
    notify(
        partner_side_recipients(registration),
        kind=kind,
        template=f"deals/email/{template}",
        context={"registration": registration, **context},
        url=registration.get_absolute_url(),
    )


def moment(value) -> str:
    """A time as people read it in rules and reasons: "2026-04-05 10:00 UTC"."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z") if value else ""


def jsonable(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
