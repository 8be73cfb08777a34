"""Reads for webhooks, scoped per user: ops see every endpoint; a partner admin (or a partner's
API key) only its own partner's; everyone else none. Lookups outside the scope are 404s."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from prm.models import User

from .events import EventType
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def managed_partner_ids(user: User) -> frozenset[int]:
    """Partners whose endpoints ``user`` may see and manage (ops: see ``endpoints_visible_to``).

    People manage through an admin membership; an API key's service account is a rep of the
    one partner it is bound to, and acts for it (limited further by its scopes)."""
    from partners.selectors import partner_access  # partners builds on the kernel, not reverse

    access = partner_access(user)
    return access.member_of if user.is_service_account else access.admin_of


def may_use_webhooks(user: User) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_program_ops or bool(managed_partner_ids(user))


def endpoints_visible_to(user: User) -> QuerySet[WebhookEndpoint]:
    base = WebhookEndpoint.objects.select_related("partner", "created_by")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    if user.is_program_ops:
        return base
    ids = managed_partner_ids(user)
    return base.filter(partner_id__in=ids) if ids else base.none()


def get_endpoint_for_user(user: User, pk) -> WebhookEndpoint:
    return get_object_or_404(endpoints_visible_to(user), pk=pk)


def deliveries_visible_to(user: User) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.select_related("endpoint", "endpoint__partner").filter(
        endpoint__in=endpoints_visible_to(user).values("pk")
    )


def get_delivery_for_user(user: User, pk) -> WebhookDelivery:
    return get_object_or_404(deliveries_visible_to(user), pk=pk)


def deliveries_of(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return endpoint.deliveries.order_by("-created_at", "-pk")


def attempts_of(delivery: WebhookDelivery) -> QuerySet[WebhookAttempt]:
    return delivery.attempts.order_by("number")


def endpoints_for_event(
    event: EventType, partner_id: int | None, *, any_partner: bool = False
) -> list[WebhookEndpoint]:
    """Endpoints subscribed to ``event`` that may receive it about ``partner_id`` (with
    ``any_partner``: about any partner; narrow down with ``receives``). Paused endpoints
    still collect their deliveries, sent once resumed."""
    scope = Q(partner__isnull=True)
    if event.partner_may_subscribe and any_partner:
        scope |= Q(partner__isnull=False)
    elif event.partner_may_subscribe and partner_id is not None:
        scope |= Q(partner_id=partner_id)
    # JSON containment is not portable to SQLite; endpoints are few, so filter in Python.
    return [e for e in WebhookEndpoint.objects.filter(scope) if event.name in e.event_types]


def receives(endpoint: WebhookEndpoint, event: EventType, partner_id: int | None) -> bool:
    """Tenancy of deliveries: a vendor-wide endpoint receives every event it subscribed to; a
    partner's endpoint only partner events about that same partner, never another's."""
    if event.name not in endpoint.event_types:
        return False
    if endpoint.partner_id is None:
        return True
    return event.partner_may_subscribe and partner_id == endpoint.partner_id


def earlier_pending_exists(delivery: WebhookDelivery) -> bool:
    return WebhookDelivery.objects.filter(
        endpoint_id=delivery.endpoint_id,
        object_key=delivery.object_key,
        status=WebhookDelivery.Status.PENDING,
        pk__lt=delivery.pk,
    ).exists()


def next_pending_for_object(delivery: WebhookDelivery) -> int | None:
    return (
        WebhookDelivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            object_key=delivery.object_key,
            status=WebhookDelivery.Status.PENDING,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def due_delivery_ids(now: dt.datetime, *, limit: int = 1000) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at__lte=now,
            endpoint__status=WebhookEndpoint.Status.ACTIVE,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
