"""Per-deal overrides of the winning rule's rate or fee, protected by the rule's floor.

At or above the floor, the partner's channel account manager (or ops) sets an override and it
applies at once. Below the floor it is only a request until program ops approve it with a
reason; ops may also set one directly, with a reason. Partner users never set overrides, so
nobody quietly cuts a partner's margin. Every step is audited.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.locks import lock
from prm.models import User
from prm.permissions import require_program_ops

from .exceptions import BelowFloor, CommissionError, CommissionNotAllowed
from .models import CommissionOverride, CommissionRule

Status = CommissionOverride.Status


def _is_below_floor(rule: CommissionRule, rate, amount) -> bool:
    if rule.is_flat:
        return amount is not None and Decimal(amount) < rule.floor_amount
    return rate is not None and Decimal(rate) < rule.floor_rate


@transaction.atomic
def set_override(
    *, actor: User, deal, rule: CommissionRule, reason: str, rate=None, amount=None
) -> CommissionOverride:
    from deals.selectors import can_decide

    if not can_decide(actor, deal):
        raise CommissionNotAllowed(_("Only the partner's channel manager or ops set overrides."))
    if not (reason or "").strip():
        raise CommissionError(_("An override needs a reason."))
    if (rate is None) == (amount is None) or (amount is not None) != rule.is_flat:
        raise CommissionError(_("Give a rate for a percentage rule or a fee for a flat one."))
    below = _is_below_floor(rule, rate, amount)
    status = Status.PENDING if below and not actor.is_program_ops else Status.APPROVED
    override, _created = CommissionOverride.objects.update_or_create(
        deal=deal,
        defaults={"rule": rule, "rate": rate, "amount": amount, "below_floor": below,
                  "status": status, "reason": reason, "requested_by": actor,
                  "decided_by": actor if status == Status.APPROVED else None,
                  "decided_at": timezone.now() if status == Status.APPROVED else None,
                  "decision_reason": reason if status == Status.APPROVED else ""},
    )  # fmt: skip
    record_event(override, actor=actor, verb="commission_override_set", to_state=status,
                 reason=reason, rule=str(rule), data={"rate": str(rate), "amount": str(amount),
                 "below_floor": below, "floor_rate": str(rule.floor_rate)})  # fmt: skip
    return override


def override_deal(*, actor: User, deal, reason: str, rate=None, amount=None) -> CommissionOverride:
    """Override the rate (percentage rules) or fee (flat rules) of the rule that would pay
    ``deal``, the one whose floor protects the partner (the portal's form and the API)."""
    from .selectors import floor_for_deal

    rule = floor_for_deal(deal)
    if rule is None:
        raise CommissionError(
            _("No commission rule pays this deal: there is nothing to override."),
            code="no_commission_rule",
        )
    return set_override(actor=actor, deal=deal, rule=rule, reason=reason, rate=rate, amount=amount)


@transaction.atomic
def decide_override(
    *, actor: User, override: CommissionOverride, approve: bool, reason: str
) -> CommissionOverride:
    """Program ops approve or reject an override below the floor; a reason is required."""
    require_program_ops(
        actor,
        _("Only program operations approve an override below the floor."),
        error=BelowFloor,
    )
    if not (reason or "").strip():
        raise CommissionError(_("Approving or rejecting an override needs a reason."))
    override = lock(CommissionOverride, override.pk)
    if override.status != Status.PENDING:
        raise CommissionError(_("This override was already decided."))
    override.status = Status.APPROVED if approve else Status.REJECTED
    override.decided_by, override.decided_at = actor, timezone.now()
    override.decision_reason = reason
    override.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    record_event(override, actor=actor, verb="commission_override_decided",
                 from_state=Status.PENDING, to_state=override.status, reason=reason)  # fmt: skip
    return override
