"""Offering many leads to one partner (the lead list's bulk action, and the API's): lead by
lead through ``offer_lead``, each in a savepoint of its own (``prm.lists.run_bulk``), reporting
per lead what happened."""

from collections.abc import Sequence

from django.utils.translation import gettext as _

from partners.models import Partner
from prm.lists import BulkResult, run_bulk
from prm.models import User

from . import selectors
from .services import offer_lead


def offer_leads(*, actor: User, ids: Sequence[int], partner: Partner) -> BulkResult:
    """Offer the leads ``ids`` to ``partner``; a lead outside the actor's scope is a refused
    row, as is one ``offer_lead`` refuses."""
    names = dict(
        selectors.leads_visible_to(actor).filter(pk__in=ids).values_list("pk", "company_name")
    )

    def offer(pk: int) -> None:
        offer_lead(lead=selectors.get_lead_for_user(actor, pk), partner=partner, actor=actor)

    return run_bulk(
        _("Offer leads to %(partner)s") % {"partner": partner},
        ids,
        offer,
        label=lambda pk: f"#{pk} {names.get(pk, '')}".strip(),
        done=_("Offered"),
    )
