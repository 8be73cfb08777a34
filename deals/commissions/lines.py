"""Line status changes, checked against ``CommissionLine.TRANSITIONS`` and audited one row per
line (written in one insert, so approving thousands of lines stays a handful of queries)."""

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from prm.exceptions import InvalidTransition
from prm.middleware import current_request_id
from prm.models import AuditEvent, User

from .models import CommissionLine


def move_lines(
    lines: QuerySet[CommissionLine],
    *,
    to: str,
    actor: User | None,
    reason: str = "",
    extra: dict | None = None,
) -> int:
    """Move every line of ``lines`` to ``to`` (locked in primary-key order); refuses the whole
    batch with ``InvalidTransition`` when one line may not move. Call inside a transaction."""
    locked = list(lines.select_for_update().order_by("pk"))
    for line in locked:
        if not line.can_move_to(to):
            raise InvalidTransition(str(CommissionLine._meta.verbose_name), line.status, to)
    if not locked:
        return 0
    CommissionLine.objects.filter(pk__in=[line.pk for line in locked]).update(
        status=to, updated_at=timezone.now(), **(extra or {})
    )
    _audit(locked, to=to, actor=actor, reason=reason)
    return len(locked)


def _audit(lines: list[CommissionLine], *, to: str, actor: User | None, reason: str) -> None:
    audit_moves([(line, to, reason) for line in lines], actor=actor)


def audit_moves(moves: Iterable[tuple[CommissionLine, str, str]], *, actor: User | None) -> None:
    """One audit row per ``(line, target status, reason)``, the line still in its old status,
    written in one insert (batched)."""
    content_type = ContentType.objects.get_for_model(CommissionLine)
    now, request_id = timezone.now(), current_request_id()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor,
                actor_label=actor.email if actor else "system",
                verb=f"commission_line_{to}",
                content_type=content_type,
                object_id=str(line.pk),
                object_repr=str(line)[:255],
                from_state=line.status,
                to_state=to,
                reason=reason,
                rule=f"rule {line.rule_id}",
                data={"amount": str(line.amount), "currency": line.currency},
                request_id=request_id,
                created_at=now,
            )  # fmt: skip
            for line, to, reason in moves
        ],
        batch_size=1000,
    )
