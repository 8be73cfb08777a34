"""The vendor's decisions on a submitted registration: ask for more information, approve (the
protection window starts; refused while a conflict is open or lost) or reject."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.models import User
from prm.webhooks import publish

from ..exceptions import AccountAlreadyProtected, UnresolvedConflicts
from ..models import DealConflict, DealProgramSettings, DealRegistration
from ._common import (
    lock_registration,
    notify_partner,
    require_decider,
    required_reason,
    state_left,
)

Status = DealRegistration.Status


@transaction.atomic
def request_more_info(
    *, registration: DealRegistration, actor: User, reason: str
) -> DealRegistration:
    registration = lock_registration(registration)
    require_decider(actor, registration)
    reason = required_reason(reason)
    previous = registration.move_to(Status.MORE_INFO)
    state_left(registration, previous)
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
    notify_partner(registration, kind="deal_more_info", template="more_info", reason=reason)
    return registration


@transaction.atomic
def approve_registration(
    *, registration: DealRegistration, actor: User, reason: str = ""
) -> DealRegistration:
    """Approve and start the protection window (``protection_days``; none when 0).

    Refused while a candidate conflict is still open, and when an earlier registration that
    holds protection won the conflict: first registered, first protected."""
    registration = lock_registration(registration)
    require_decider(actor, registration)
    previous = registration.move_to(Status.APPROVED)
    state_left(registration, previous)
    _refuse_conflicting_approval(registration)
    program = DealProgramSettings.current()
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
    notify_partner(
        registration, kind="deal_approved", template="approved", reason=registration.decision_reason
    )
    publish("deal.approved", registration, partner=registration.partner_id)
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
            details={
                "registration": holder[0],
                "protected_until": holder[1].isoformat() if holder[1] else None,
            }
        )


@transaction.atomic
def reject_registration(
    *, registration: DealRegistration, actor: User, reason: str
) -> DealRegistration:
    registration = lock_registration(registration)
    require_decider(actor, registration)
    reason = required_reason(reason)
    previous = registration.move_to(Status.REJECTED)
    state_left(registration, previous)
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
    publish("deal.rejected", registration, partner=registration.partner_id)
    program = DealProgramSettings.current()
    notify_partner(
        registration,
        kind="deal_rejected",
        template="rejected",
        reason=reason,
        resubmissions_left=max(program.max_resubmissions - registration.resubmission_count, 0),
    )
    return registration
