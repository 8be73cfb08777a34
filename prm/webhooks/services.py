"""Writes for webhook endpoints: register, change subscriptions, rotate the secret, pause and
resume, and replay deliveries. Each takes the acting user, runs in a transaction and writes an
audit row."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.exceptions import PermissionDenied
from prm.locks import lock
from prm.models import User
from prm.notifications import notify

from .events import EVENT_TYPES
from .exceptions import UnknownEventType, WebhookError
from .models import WebhookDelivery, WebhookEndpoint, new_secret
from .publishing import queue_sending
from .selectors import managed_partner_ids
from .transport import check_url

DEFAULT_ROTATION_OVERLAP = dt.timedelta(hours=24)
LONGEST_ROTATION_OVERLAP = dt.timedelta(days=7)
MAX_REPLAY = 5000

EndpointStatus = WebhookEndpoint.Status


def require_manager(actor: User, partner) -> None:
    """Ops manage every endpoint and register vendor-wide ones; a partner admin (or the
    partner's API key) only its own partner's."""
    if actor.is_program_ops:
        return
    if partner is None or partner.pk not in managed_partner_ids(actor):
        raise PermissionDenied(_("You cannot manage webhooks for this partner."))


def clean_event_types(event_types, *, partner) -> list[str]:
    chosen = list(dict.fromkeys(event_types or []))
    if not chosen:
        raise UnknownEventType(
            _("Choose at least one event type."), details={"event_types": _("Required.")}
        )
    refused = [
        name
        for name in chosen
        if name not in EVENT_TYPES
        or (partner is not None and not EVENT_TYPES[name].partner_may_subscribe)
    ]
    if refused:
        raise UnknownEventType(
            _("These event types are unknown or not open to partner endpoints: %(names)s")
            % {"names": ", ".join(refused)},
            details={"event_types": refused},
        )
    return chosen


def clean_url(url: str) -> str:
    url = (url or "").strip()
    check_url(url)
    return url


@transaction.atomic
def create_endpoint(
    *, actor: User, url: str, event_types, partner=None, description: str = ""
) -> WebhookEndpoint:
    """Register an endpoint. Its ``secret`` is readable on the returned object only: show it
    to the user now, pages and the API never show it again."""
    require_manager(actor, partner)
    endpoint = WebhookEndpoint.objects.create(
        partner=partner,
        url=clean_url(url),
        description=(description or "").strip(),
        event_types=clean_event_types(event_types, partner=partner),
        created_by=actor,
    )
    record_event(
        endpoint,
        actor=actor,
        verb="webhooks.endpoint_created",
        to_state=endpoint.status,
        data={"url": endpoint.url, "event_types": endpoint.event_types},
    )
    return endpoint


@transaction.atomic
def update_endpoint(
    *, endpoint: WebhookEndpoint, actor: User, url: str, event_types, description: str = ""
) -> WebhookEndpoint:
    endpoint = lock(WebhookEndpoint, endpoint.pk)
    require_manager(actor, endpoint.partner)
    before = {"url": endpoint.url, "event_types": endpoint.event_types}
    endpoint.url = clean_url(url)
    endpoint.event_types = clean_event_types(event_types, partner=endpoint.partner)
    endpoint.description = (description or "").strip()
    endpoint.save(update_fields=["url", "event_types", "description", "updated_at"])
    after = {"url": endpoint.url, "event_types": endpoint.event_types}
    record_event(
        endpoint,
        actor=actor,
        verb="webhooks.endpoint_updated",
        data={"before": before, "after": after},
    )
    return endpoint


@transaction.atomic
def rotate_secret(
    *, endpoint: WebhookEndpoint, actor: User, overlap: dt.timedelta = DEFAULT_ROTATION_OVERLAP
) -> WebhookEndpoint:
    """A new secret signs from now on; the old one keeps signing beside it (two signatures)
    for ``overlap``, so the receiver can be switched over without losing a delivery."""
    if overlap < dt.timedelta(0) or overlap > LONGEST_ROTATION_OVERLAP:
        raise WebhookError(
            _("The overlap must be between 0 and 7 days."), details={"overlap_hours": _("0–168.")}
        )
    endpoint = lock(WebhookEndpoint, endpoint.pk)
    require_manager(actor, endpoint.partner)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + overlap
    endpoint.secret = new_secret()
    endpoint.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    record_event(
        endpoint,
        actor=actor,
        verb="webhooks.secret_rotated",
        data={"previous_secret_until": endpoint.previous_secret_expires_at.isoformat()},
    )
    return endpoint


@transaction.atomic
def pause_endpoint(*, endpoint: WebhookEndpoint, actor: User, reason: str = "") -> WebhookEndpoint:
    endpoint = lock(WebhookEndpoint, endpoint.pk)
    require_manager(actor, endpoint.partner)
    if endpoint.is_paused:
        return endpoint
    endpoint.status = EndpointStatus.PAUSED
    endpoint.paused_reason = (reason or "").strip()[:300] or _("Paused by %(who)s") % {"who": actor}
    endpoint.save(update_fields=["status", "paused_reason", "updated_at"])
    record_event(
        endpoint,
        actor=actor,
        verb="webhooks.endpoint_paused",
        from_state=EndpointStatus.ACTIVE,
        to_state=EndpointStatus.PAUSED,
        reason=endpoint.paused_reason,
    )
    return endpoint


@transaction.atomic
def resume_endpoint(*, endpoint: WebhookEndpoint, actor: User) -> WebhookEndpoint:
    """Resume sending: the deliveries kept while paused go out now, oldest first per object."""
    endpoint = lock(WebhookEndpoint, endpoint.pk)
    require_manager(actor, endpoint.partner)
    if not endpoint.is_paused:
        return endpoint
    endpoint.status = EndpointStatus.ACTIVE
    endpoint.paused_reason = ""
    endpoint.consecutive_failures = 0
    endpoint.save(update_fields=["status", "paused_reason", "consecutive_failures", "updated_at"])
    pending = endpoint.deliveries.filter(status=WebhookDelivery.Status.PENDING)
    pending.update(next_attempt_at=timezone.now())
    queue_sending(list(pending.order_by("pk").values_list("pk", flat=True)))
    record_event(
        endpoint,
        actor=actor,
        verb="webhooks.endpoint_resumed",
        from_state=EndpointStatus.PAUSED,
        to_state=EndpointStatus.ACTIVE,
    )
    return endpoint


@transaction.atomic
def replay_delivery(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Queue the same event (same id and body) to the same endpoint again."""
    require_manager(actor, delivery.endpoint.partner)
    replay = _copy_for_replay(delivery)
    queue_sending([replay.pk])
    record_event(
        delivery.endpoint,
        actor=actor,
        verb="webhooks.delivery_replayed",
        data={"delivery": delivery.pk, "replay": replay.pk, "event_id": str(delivery.event_id)},
    )
    return replay


@transaction.atomic
def replay_deliveries(
    *, endpoint: WebhookEndpoint, actor: User, start: dt.datetime, end: dt.datetime
) -> list[WebhookDelivery]:
    """Replay every event sent to ``endpoint`` from ``start`` up to (not including) ``end``,
    in the order they first happened. Replays of replays are not repeated."""
    require_manager(actor, endpoint.partner)
    if end <= start:
        raise WebhookError(
            _("The end of the range must be after its start."), details={"end": _("After start.")}
        )
    originals = list(
        endpoint.deliveries.filter(
            replay_of__isnull=True, created_at__gte=start, created_at__lt=end
        ).order_by("pk")[: MAX_REPLAY + 1]
    )
    if len(originals) > MAX_REPLAY:
        raise WebhookError(
            _("More than %(n)d deliveries in this range: choose a shorter one.") % {"n": MAX_REPLAY}
        )
    replays = [_copy_for_replay(original) for original in originals]
    queue_sending([replay.pk for replay in replays])
    record_event(
        endpoint,
        actor=actor,
        verb="webhooks.deliveries_replayed",
        data={"start": start.isoformat(), "end": end.isoformat(), "count": len(replays)},
    )
    return replays


def _copy_for_replay(delivery: WebhookDelivery) -> WebhookDelivery:
    now = timezone.now()
    return WebhookDelivery.objects.create(
        endpoint=delivery.endpoint,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        object_key=delivery.object_key,
        payload=delivery.payload,
        created_at=now,
        next_attempt_at=now,
        replay_of=delivery,
    )


# --- Owners -----------------------------------------------------------------------------------


def endpoint_owners(endpoint: WebhookEndpoint) -> list[User]:
    """Who hears about a paused endpoint: the partner's admins (partner endpoints) and
    whoever registered it; for a vendor-wide endpoint with no registrant, program ops."""
    from partners.selectors import admins_of_partners

    owners: dict[int, User] = {}
    if endpoint.partner_id:
        for user in admins_of_partners([endpoint.partner_id]).get(endpoint.partner_id, []):
            owners[user.pk] = user
    creator = endpoint.created_by
    if creator is not None and not creator.is_service_account:
        owners[creator.pk] = creator
    if not owners:
        for user in User.objects.filter(
            internal_role=User.InternalRole.PROGRAM_OPS, is_active=True
        ):
            owners[user.pk] = user
    return list(owners.values())


def notify_paused(endpoint: WebhookEndpoint, owners: list[User]) -> None:
    notify(
        owners,
        kind="webhooks.endpoint_paused",
        template="webhooks/email/endpoint_paused",
        context={"endpoint": endpoint},
        url=endpoint.get_absolute_url(),
    )
