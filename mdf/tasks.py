"""MDF jobs: thin, a month or a day in, one service call, safe to run twice."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from .claims.services import lapse_overdue_claims
from .funds.services import accrue_month, expire_funds, parse_month


def _previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@shared_task(name="mdf.tasks.accrue_month", acks_late=True)
def accrue_month_task(month: str = "") -> dict:
    """Accrue ``month`` (YYYY-MM; the previous month by default)."""
    day = parse_month(month) if month else _previous_month(timezone.localdate())
    result = accrue_month(month=day)
    return {"month": f"{day:%Y-%m}", "partners": result.partners, "created": result.created,
            "total": str(result.total)}  # fmt: skip


@shared_task(name="mdf.tasks.expire_funds", acks_late=True)
def expire_funds_task(as_of: str = "") -> dict:
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    result = expire_funds(as_of=day)
    return {"funds": result.funds, "expired": str(result.expired), "carried": str(result.carried)}


@shared_task(name="mdf.tasks.lapse_overdue_claims", acks_late=True)
def lapse_overdue_claims_task() -> int:
    return lapse_overdue_claims()
