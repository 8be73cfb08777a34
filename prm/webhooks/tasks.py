"""Webhook jobs: ids in, one service call, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from . import delivery, selectors


@shared_task(acks_late=True)
def send_delivery(delivery_id: int) -> str | None:
    # Retries are not Celery retries: a failed attempt stores its next time on the row
    # (exponential backoff for a day) and ``send_due_deliveries`` sends it when due.
    sent = delivery.send_delivery(delivery_id=delivery_id)
    return sent.status if sent else None


@shared_task
def send_due_deliveries() -> int:
    ids = selectors.due_delivery_ids(timezone.now())
    for pk in ids:
        send_delivery.delay(pk)
    return len(ids)
