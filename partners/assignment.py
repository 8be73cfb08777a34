"""Who serves a partner: moving partners to another channel account manager (program ops).

Kept beside ``services`` (which is at its size limit); the same conventions apply: one function
per use case, the row locked, an audit row with before and after, the new manager notified in
the same transaction.
"""

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.lists import BulkResult, run_bulk
from prm.locks import lock
from prm.models import User
from prm.notifications import notify
from prm.permissions import require_program_ops

from . import selectors
from .exceptions import PartnerError
from .models import Partner


@transaction.atomic
def reassign_channel_manager(
    *, partner: Partner, channel_manager: User, actor: User, reason: str = ""
) -> Partner:
    """Make ``channel_manager`` the partner's CAM. Refuses a person who is not an active channel
    account manager, a terminated partner, and a partner the manager already serves."""
    require_program_ops(actor, _("Only program ops may reassign partners."))
    if not (channel_manager.is_active and channel_manager.is_channel_manager):
        raise PartnerError(
            _("%(name)s is not an active channel account manager.") % {"name": channel_manager},
            code="not_a_channel_manager",
        )
    partner = lock(Partner, partner.pk)
    if partner.status == Partner.Status.TERMINATED:
        raise PartnerError(_("A terminated partner keeps its last manager."), code="terminated")
    if partner.channel_manager_id == channel_manager.pk:
        raise PartnerError(
            _("%(name)s already manages this partner.") % {"name": channel_manager},
            code="unchanged",
        )
    previous = partner.channel_manager
    partner.channel_manager = channel_manager
    partner.save(update_fields=["channel_manager", "updated_at"])
    record_event(
        partner,
        actor=actor,
        verb="partner.channel_manager_changed",
        reason=reason,
        data={
            "before": previous.pk if previous else None,
            "after": channel_manager.pk,
        },
    )
    notify(
        [channel_manager],
        kind="partner_assigned",
        template="partners/email/partner_assigned",
        context={"partner": partner.display_name, "reason": reason},
        url=partner.get_absolute_url(),
    )
    return partner


def reassign_channel_managers(
    *, actor: User, ids: Sequence[int], channel_manager: User, reason: str = ""
) -> BulkResult:
    """Move the partners ``ids`` to ``channel_manager`` (the partner list's bulk action, and the
    API's): partner by partner through ``reassign_channel_manager``, each in a savepoint of its
    own, reporting per partner what happened; a partner outside the actor's scope is refused."""
    names = dict(
        selectors.partners_visible_to(actor).filter(pk__in=ids).values_list("pk", "display_name")
    )

    def reassign(pk: int) -> None:
        reassign_channel_manager(
            partner=selectors.get_partner_for_user(actor, pk),
            channel_manager=channel_manager,
            actor=actor,
            reason=reason,
        )

    return run_bulk(
        _("Reassign partners to %(name)s") % {"name": channel_manager.get_full_name()},
        ids,
        reassign,
        label=lambda pk: names.get(pk, f"#{pk}"),
        done=_("Reassigned"),
    )
