"""Approving or rejecting many registrations with one reason (the review queue's bulk action,
and the API's): each row through the same service as a single decision, in a savepoint of its
own (``prm.lists.run_bulk``), so a refused row leaves nothing behind and does not stop the
others. The result says, row by row, what happened."""

from collections.abc import Sequence

from django.utils.translation import gettext as _

from prm.lists import BulkResult, run_bulk
from prm.models import User

from .. import selectors
from ._common import required_reason
from .decisions import approve_registration, reject_registration


def decide_registrations(
    *, actor: User, ids: Sequence[int], approve: bool, reason: str = ""
) -> BulkResult:
    """Approve (or reject) the registrations ``ids`` the actor may decide; any other id is a
    refused row ("not in your scope"). A rejection without a reason is refused whole."""
    action = approve_registration if approve else reject_registration
    # The one reason is every rejection's: without it no row could be rejected.
    reason = (reason or "").strip() if approve else required_reason(reason)
    names = dict(
        selectors.deals_visible_to(actor).filter(pk__in=ids).values_list("pk", "customer_name")
    )

    def decide(pk: int) -> None:
        registration = selectors.get_deal_for_review(actor, pk)
        action(registration=registration, actor=actor, reason=reason)

    return run_bulk(
        _("Approve registrations") if approve else _("Reject registrations"),
        ids,
        decide,
        label=lambda pk: f"#{pk} {names.get(pk, '')}".strip(),
        done=_("Approved") if approve else _("Rejected"),
    )
