from celery import shared_task

from . import imports, services


@shared_task(name="enablement.tasks.refresh_certification_statuses", acks_late=True)
def refresh_certification_statuses(day: str | None = None) -> dict:
    """Mark expiring and expired certifications and warn once. Safe to run twice: a second run
    finds nothing left to change. ``day`` (ISO date) re-runs a past day."""
    import datetime as dt

    today = dt.date.fromisoformat(day) if day else None
    summary = services.refresh_certification_statuses(today=today)
    return {
        "today": str(summary.today),
        "expiring": len(summary.expiring),
        "expired": len(summary.expired),
    }


@shared_task(name="enablement.tasks.process_certification_import", acks_late=True)
def process_certification_import(import_id: int) -> int:
    """Import a stored completions CSV; a second run (or a run after a crash) continues after
    the last committed line."""
    return imports.process_import(import_id=import_id).pk
