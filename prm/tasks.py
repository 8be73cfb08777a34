"""Kernel jobs: sending queued emails. Each calls one service and is safe to run twice."""

import datetime as dt

from celery import shared_task

from . import notifications

MAX_EMAIL_RETRIES = 6


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=notifications.RETRYABLE_ERRORS,
    # 30 s, 1 min, 2 min ... capped at 30 min, each randomised so that a mail server coming back
    # is not hit by every waiting delivery at once.
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=MAX_EMAIL_RETRIES,
)
def send_email_delivery(self, delivery_id: int) -> str | None:
    if self.request.is_eager:
        # Embedded mode has no worker to come back later: try again at once, as many times.
        for attempt in range(self.max_retries + 1):
            try:
                delivery = notifications.send_delivery(
                    delivery_id=delivery_id, final_attempt=attempt >= self.max_retries
                )
            except notifications.RETRYABLE_ERRORS:
                continue
            return delivery.status if delivery else None
    delivery = notifications.send_delivery(
        delivery_id=delivery_id, final_attempt=self.request.retries >= self.max_retries
    )
    return delivery.status if delivery else None


@shared_task(acks_late=True)
def requeue_stale_deliveries() -> int:
    # Longer than the longest backoff, so a delivery waiting for its next retry is left alone;
    # a delivery never tried in five minutes was not queued (the broker was down at commit).
    return notifications.requeue_stale_deliveries(
        older_than=dt.timedelta(hours=1), untried_older_than=dt.timedelta(minutes=5)
    )
