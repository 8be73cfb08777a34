"""The one registry of webhook event types: name, label, who may subscribe.

``PARTNER`` events concern one partner: ops endpoints receive them for every partner, a partner
endpoint only for its own partner. ``VENDOR`` events (a conflict between two partners' deals, an
application from a company that is not a partner yet) go to vendor-wide endpoints only.

``OBJECT_SERIALIZERS`` names the API output serializer of each model an event carries, so the
body shows the object exactly as the API does.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PARTNER = "partner"
VENDOR = "vendor"


@dataclass(frozen=True)
class EventType:
    name: str
    label: str | Promise
    audience: str = PARTNER

    @property
    def partner_may_subscribe(self) -> bool:
        return self.audience == PARTNER


EVENT_TYPES: dict[str, EventType] = {
    e.name: e
    for e in [
        EventType("deal.submitted", _("Deal registration submitted")),
        EventType("deal.approved", _("Deal registration approved")),
        EventType("deal.rejected", _("Deal registration rejected")),
        EventType("deal.expired", _("Deal registration expired")),
        EventType("deal.won", _("Deal won")),
        EventType("deal.lost", _("Deal lost")),
        EventType("conflict.detected", _("Deal conflict detected"), VENDOR),
        EventType("lead.offered", _("Lead offered")),
        EventType("lead.accepted", _("Lead accepted")),
        EventType("lead.recalled", _("Lead recalled")),
        EventType("mdf_request.decided", _("MDF request decided")),
        EventType("mdf_claim.decided", _("MDF claim decided")),
        EventType("payment.recorded", _("Payment recorded (MDF claim or commission payout)")),
        EventType("commission_statement.approved", _("Commission statement approved")),
        EventType("commission_line.reversed", _("Commission line reversed")),
        EventType("partner.tier_changed", _("Partner tier changed")),
        EventType("certification.expiring", _("Certification expiring soon")),
        EventType("certification.expired", _("Certification expired")),
        EventType("application.received", _("Partner application received"), VENDOR),
    ]
}

OBJECT_SERIALIZERS: dict[str, str] = {
    "deals.dealregistration": "deals.api.serializers.RegistrationOutputSerializer",
    "deals.dealconflict": "deals.api.serializers.ConflictOutputSerializer",
    "deals.lead": "deals.api.serializers.LeadOutputSerializer",
    "deals.leadoffer": "deals.api.serializers.LeadOfferOutputSerializer",
    "mdf.fundrequest": "mdf.api.serializers.RequestOutputSerializer",
    "mdf.claim": "mdf.api.serializers.ClaimOutputSerializer",
    "mdf.mdfpayment": "mdf.api.serializers.PaymentOutputSerializer",
    "deals.statement": "deals.commissions.api.serializers.StatementSerializer",
    "deals.commissionline": "deals.commissions.api.serializers.LineSerializer",
    "deals.payout": "deals.commissions.api.serializers.PayoutSerializer",
    "partners.partner": "partners.api.serializers.PartnerOutputSerializer",
    "partners.application": "partners.api.serializers.ApplicationOutputSerializer",
    "enablement.personcertification": "enablement.api.serializers.PersonCertificationSerializer",
}


def event_choices(*, for_partner: bool) -> list[tuple[str, str]]:
    """The event types a partner admin (``for_partner``) or ops may subscribe to."""
    return [
        (e.name, str(e.label))
        for e in EVENT_TYPES.values()
        if e.partner_may_subscribe or not for_partner
    ]


def get_event_type(name: str) -> EventType:
    try:
        return EVENT_TYPES[name]
    except KeyError:
        raise ValueError(f"Unknown webhook event type {name!r}.") from None
