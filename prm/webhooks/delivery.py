"""Sending deliveries: signing, retries with exponential backoff for a day, ordering per
object, and pausing an endpoint that keeps failing."""

import datetime as dt
import json
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.locks import lock

from . import signing, transport
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .publishing import queue_sending
from .selectors import earlier_pending_exists, next_pending_for_object

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status

FIRST_RETRY = dt.timedelta(minutes=1)
LONGEST_WAIT = dt.timedelta(hours=4)
RETRY_WINDOW = dt.timedelta(days=1)


def next_attempt_at(
    *, created_at: dt.datetime, failures: int, now: dt.datetime
) -> dt.datetime | None:
    """When to try again after ``failures`` failed attempts: 1 min, 2, 4, 8 ... doubling up to
    4 hours apart, with a last try when the day since the event is over; None once it is."""
    window_end = created_at + RETRY_WINDOW
    if now >= window_end:
        return None
    wait = min(FIRST_RETRY * 2 ** (failures - 1), LONGEST_WAIT)
    return min(now + wait, window_end)


def retry_schedule(start: dt.datetime) -> list[dt.datetime]:
    """Every attempt time of a delivery that always fails (for the documentation and tests)."""
    times, now, failures = [start], start, 0
    while True:
        failures += 1
        following = next_attempt_at(created_at=start, failures=failures, now=now)
        if following is None:
            return times
        times.append(following)
        now = following


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def signed_headers(endpoint: WebhookEndpoint, delivery: WebhookDelivery, body: bytes, now):
    timestamp = int(now.timestamp())
    return {
        "Content-Type": "application/json",
        "User-Agent": "PRM-Webhooks/1",
        signing.ID_HEADER: str(delivery.event_id),
        signing.EVENT_HEADER: delivery.event_type,
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.signature_header(
            endpoint.signing_secrets(now), timestamp, body
        ),
    }


def send_delivery(*, delivery_id: int, now: dt.datetime | None = None) -> WebhookDelivery | None:
    """Try one delivery if it is due, its endpoint is active and no earlier delivery of the
    same object to the same endpoint is still pending (that one goes first; its outcome queues
    this one). Safe to run twice: the row lock is held while sending, so a redelivered task
    waits and then finds the delivery done."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            delivery = lock(WebhookDelivery, delivery_id)
        except WebhookDelivery.DoesNotExist:
            return None
        endpoint = delivery.endpoint
        if (
            delivery.status != Status.PENDING
            or endpoint.is_paused
            or delivery.next_attempt_at > now
            or earlier_pending_exists(delivery)
        ):
            return delivery
        body = body_of(delivery)
        answer = transport.post(
            endpoint.url, body=body, headers=signed_headers(endpoint, delivery, body, now)
        )
        _record_attempt(delivery, answer, now)
        if answer.ok:
            _succeeded(delivery, endpoint, now)
        else:
            _failed(delivery, endpoint, now)
        if delivery.status != Status.PENDING:
            following = next_pending_for_object(delivery)
            if following is not None:
                queue_sending([following])
    return delivery


def _record_attempt(delivery: WebhookDelivery, answer: transport.Response, now) -> None:
    delivery.attempt_count += 1
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempt_count,
        attempted_at=now,
        status_code=answer.status_code,
        duration_ms=answer.duration_ms,
        response_body=answer.body,
        error=answer.error or ("" if answer.ok else _("The endpoint did not answer 2xx.")),
        succeeded=answer.ok,
    )


def _succeeded(delivery: WebhookDelivery, endpoint: WebhookEndpoint, now) -> None:
    delivery.status = Status.SUCCEEDED
    delivery.completed_at = now
    delivery.save(update_fields=["status", "completed_at", "attempt_count"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)


def _failed(delivery: WebhookDelivery, endpoint: WebhookEndpoint, now) -> None:
    following = next_attempt_at(
        created_at=delivery.created_at, failures=delivery.attempt_count, now=now
    )
    if following is None:
        delivery.status = Status.FAILED
        delivery.completed_at = now
    else:
        delivery.next_attempt_at = following
    delivery.save(update_fields=["status", "completed_at", "next_attempt_at", "attempt_count"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    endpoint.refresh_from_db(fields=["consecutive_failures", "status"])
    limit = settings.PRM_WEBHOOK_PAUSE_AFTER_FAILURES
    if endpoint.consecutive_failures >= limit and not endpoint.is_paused:
        pause_failing_endpoint(endpoint, failures=endpoint.consecutive_failures)


def pause_failing_endpoint(endpoint: WebhookEndpoint, *, failures: int) -> None:
    from .services import endpoint_owners, notify_paused

    endpoint = lock(WebhookEndpoint, endpoint.pk)
    endpoint.status = WebhookEndpoint.Status.PAUSED
    endpoint.paused_reason = _("%(n)d failed attempts in a row") % {"n": failures}
    endpoint.save(update_fields=["status", "paused_reason", "updated_at"])
    record_event(
        endpoint,
        actor=None,
        verb="webhooks.endpoint_paused",
        from_state=WebhookEndpoint.Status.ACTIVE,
        to_state=WebhookEndpoint.Status.PAUSED,
        reason=endpoint.paused_reason,
        rule=_("Paused after %(n)d failed attempts in a row")
        % {"n": settings.PRM_WEBHOOK_PAUSE_AFTER_FAILURES},
    )
    notify_paused(endpoint, endpoint_owners(endpoint))
    logger.warning("Webhook endpoint %s paused: %s", endpoint.pk, endpoint.paused_reason)
