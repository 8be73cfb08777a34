"""Reads of the kernel's own data. The audit trail is for program ops (and administrators)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .exceptions import PermissionDenied
from .models import AuditEvent, User
from .periods import day_start


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    verb: str = ""
    object: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    text: str = ""


def audit_events_for(user: User, criteria: AuditFilter) -> QuerySet[AuditEvent]:
    """The audit rows matching ``criteria``, newest first; refused to anyone but ops.

    ``verb`` matches a whole verb or a family (``mfa`` finds ``mfa.authenticator_added``);
    ``object`` is an object's id or part of its name; dates are inclusive, in the portal's
    time zone.
    """
    if not getattr(user, "is_program_ops", False):
        raise PermissionDenied("Only program operations may read the audit trail.")
    events = AuditEvent.objects.select_related("content_type")
    if criteria.actor:
        events = events.filter(actor_label__matches=criteria.actor)
    if criteria.verb:
        events = events.filter(Q(verb=criteria.verb) | Q(verb__startswith=criteria.verb + "."))
    if criteria.object:
        events = events.filter(
            Q(object_id=criteria.object) | Q(object_repr__matches=criteria.object)
        )
    if criteria.date_from:
        events = events.filter(created_at__gte=day_start(criteria.date_from))
    if criteria.date_to:
        events = events.filter(created_at__lt=day_start(criteria.date_to + dt.timedelta(days=1)))
    if criteria.text:
        text = criteria.text
        events = events.filter(
            Q(actor_label__matches=text)
            | Q(verb__matches=text)
            | Q(object_repr__matches=text)
            | Q(reason__matches=text)
            | Q(rule__matches=text)
            | Q(from_state__iexact=text)
            | Q(to_state__iexact=text)
            | Q(request_id=text)
        )
    return events.order_by("-created_at", "-id")
