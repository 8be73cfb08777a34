"""The audit trail: every state change in every app is recorded through ``record_event``."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .middleware import current_request_id
from .models import AuditEvent, User


def record_event(
    obj: models.Model,
    *,
    actor: User | None,
    verb: str,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    rule: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one audit row. ``actor`` None means the system (a scheduled job)."""
    event = build_event(
        obj,
        actor=actor,
        verb=verb,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        rule=rule,
        data=data,
    )
    event.save()
    return event


def build_event(
    obj: models.Model,
    *,
    actor: User | None,
    verb: str,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    rule: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """The unsaved row ``record_event`` would append, for writers that append many at once
    (``record_events``)."""
    return AuditEvent(
        actor=actor,
        actor_label=_label(actor),
        verb=verb,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        rule=rule or "",
        data=data or {},
        request_id=current_request_id(),
    )


def record_events(events: list[AuditEvent]) -> list[AuditEvent]:
    """Append the rows built by ``build_event`` in one insert, in the order given."""
    return AuditEvent.objects.bulk_create(events, batch_size=1000)


def events_for(obj: models.Model):
    return AuditEvent.objects.for_object(obj).select_related("actor")


def _label(actor: User | None) -> str:
    if actor is None:
        return "system"
    return actor.email


def record_account_event(
    *, user: User | None, verb: str, email: str = "", data: dict | None = None
) -> AuditEvent:
    """Append one row about an account (sign-in, MFA change). A failed sign-in may name an
    email that matches no account: the row then points at no user and shows the email."""
    return AuditEvent.objects.create(
        actor=user,
        actor_label=user.email if user else email,
        verb=verb,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk) if user else "",
        object_repr=(user.email if user else email)[:255],
        data=data or {},
        request_id=current_request_id(),
    )


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """The JSON-safe values of ``fields`` on ``obj``: the "before" or "after" of a change.
    Foreign keys are shown by their text, many-to-many fields as a sorted list of texts."""
    values: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            values[name] = sorted(str(o) for o in getattr(obj, name).all()) if obj.pk else []
        elif field.is_relation:
            related = getattr(obj, name)
            values[name] = str(related) if related is not None else None
        else:
            # Not a relation of either direction, so a field of the model's own.
            assert isinstance(field, models.Field)
            values[name] = json_safe(getattr(obj, field.attname))
    return values


def json_safe(value):
    """Decimals, dates and lazy texts as strings; lists and dicts element by element."""
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def changes_between(before: dict, after: dict) -> dict:
    """``{field: {"before": old, "after": new}}`` for each field whose value differs."""
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def record_change(
    obj: models.Model,
    *,
    actor: User | None,
    verb: str,
    before: dict,
    after: dict,
    reason: str = "",
) -> AuditEvent | None:
    """One audit row holding the before/after of every changed field (``data["changes"]``);
    nothing when nothing changed. ``before`` is empty for a creation, ``after`` for a deletion."""
    changes = changes_between(before, after)
    if not changes:
        return None
    return record_event(obj, actor=actor, verb=verb, reason=reason, data={"changes": changes})
