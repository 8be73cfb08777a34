"""Writes to partner data. One function per use case; each locks what it changes, writes an audit
row and sends notifications only after the transaction commits."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from prm.audit import record_event
from prm.locks import lock
from prm.models import User

from .models import Partner, Tier, TierHistory


@transaction.atomic
def change_partner_status(
    *, partner: Partner, actor: User | None, to: str, reason: str = "", rule: str = ""
) -> Partner:
    partner = lock(Partner, partner.pk)
    previous = partner.move_to(to)
    fields = ["status", "updated_at"]
    if to == Partner.Status.ACTIVE and partner.activated_at is None:
        partner.activated_at = timezone.now()
        fields.append("activated_at")
    partner.save(update_fields=fields)
    record_event(
        partner,
        actor=actor,
        verb="partner.status_changed",
        from_state=previous,
        to_state=to,
        reason=reason,
        rule=rule,
    )
    return partner


@transaction.atomic
def set_partner_tier(
    *,
    partner: Partner,
    tier: Tier | None,
    actor: User | None,
    reason: str = "",
    effective_from: dt.date | None = None,
    rule: str = "",
) -> Partner:
    """Move a partner to ``tier``, closing the open history row and opening a new one."""
    partner = lock(Partner, partner.pk)
    effective_from = effective_from or timezone.localdate()
    previous = partner.tier
    if previous == tier:
        return partner
    TierHistory.objects.filter(partner=partner, effective_to__isnull=True).update(
        effective_to=effective_from
    )
    TierHistory.objects.create(
        partner=partner,
        tier=tier,
        effective_from=effective_from,
        reason=reason,
        changed_by=actor,
    )
    partner.tier = tier
    partner.save(update_fields=["tier", "updated_at"])
    record_event(
        partner,
        actor=actor,
        verb="partner.tier_changed",
        from_state=previous.name if previous else "",
        to_state=tier.name if tier else "",
        reason=reason,
        rule=rule,
    )
    return partner
