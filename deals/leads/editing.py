"""Editing a lead's details after creation (the vendor's CRM keeps them current).

Only a lead not yet offered to a partner may change: once offered, the partner decided on what
it was shown. The vendor's staff only, like creation.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.exceptions import Conflict
from prm.models import User

from ..models import Lead
from .selectors import _active
from .services import LEAD_FIELDS, InvalidLeadData, _lock, _require, clean_lead_fields


class LeadNotEditable(Conflict):
    """Only a lead not yet offered to a partner can be edited."""

    code = "lead_not_editable"


def lead_changes(lead: Lead, fields: dict) -> dict:
    """The fields that would change, as {name: [old, new]} (values cleaned as stored)."""
    unknown = sorted(set(fields) - set(LEAD_FIELDS))
    if unknown:
        raise InvalidLeadData(
            _("Unknown fields."), details={name: [_("Unknown field.")] for name in unknown}
        )
    current = {name: getattr(lead, name) for name in LEAD_FIELDS}
    values = clean_lead_fields({**current, **fields})
    return {
        name: [current[name], values[name]]
        for name in LEAD_FIELDS
        if name in fields and values[name] != current[name]
    }


@transaction.atomic
def update_lead(*, lead: Lead, actor: User, **fields) -> Lead:
    _require(_active(actor) and actor.is_internal, _("Only the vendor's staff edit leads."))
    lead = _lock(lead)
    changes = lead_changes(lead, fields)
    if not changes:
        return lead
    if lead.status != Lead.Status.NEW:
        raise LeadNotEditable()
    for name, (_old, new) in changes.items():
        setattr(lead, name, new)
    lead.save(update_fields=[*changes, "updated_at"])
    record_event(
        lead,
        actor=actor,
        verb="lead.updated",
        data={name: [str(old), str(new)] for name, (old, new) in changes.items()},
    )
    return lead
