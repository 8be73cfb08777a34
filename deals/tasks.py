"""Scheduled deal jobs. Each calls one service and is safe to run twice (every row is claimed or
re-checked under a lock, so a second run finds nothing left to do)."""

from celery import shared_task

from . import imports, services


@shared_task(acks_late=True)
def expire_registrations() -> int:
    return services.expire_registrations()


@shared_task(acks_late=True)
def send_expiry_reminders() -> int:
    return services.send_expiry_reminders()


@shared_task(acks_late=True)
def process_sla() -> dict[str, int]:
    return services.process_sla()


@shared_task(acks_late=True)
def process_deal_import(import_id: int) -> int:
    """Import a stored deal CSV; a second run (or a run after a crash) continues after the last
    committed line."""
    return imports.process_import(import_id=import_id).pk


from .commissions.tasks import calculate_commissions_task  # noqa: E402, F401  (worker discovery)
from .tasks_leads import recall_overdue_leads  # noqa: E402, F401  (worker discovery)
