"""The vendor CRM's id on a partner. Partners are created by the recruitment flow (application,
approval), not by a sync, so a CRM links its account to an existing partner here and then finds
it by that id."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.external_ids import ExternalIdTaken, clean_external_id
from prm.locks import lock
from prm.models import User
from prm.permissions import require_program_ops

from .models import Partner


@transaction.atomic
def set_partner_external_id(*, partner: Partner, actor: User, external_id: str | None) -> Partner:
    """Program ops only; ``None`` or "" clears it. Setting the same id again changes nothing."""
    require_program_ops(actor, _("Only program ops link partners to the CRM."))
    value = clean_external_id(external_id) if external_id else None
    partner = lock(Partner, partner.pk)
    old = partner.external_id
    if old == value:
        return partner
    partner.external_id = value
    try:
        with transaction.atomic():
            partner.save(update_fields=["external_id", "updated_at"])
    except IntegrityError as exc:
        raise ExternalIdTaken() from exc
    record_event(partner, actor=actor, verb="partner.external_id", data={"from": old, "to": value})
    return partner
