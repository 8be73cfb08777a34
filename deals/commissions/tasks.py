"""The commission job: a run id in, one service call."""

from celery import shared_task

from . import services


@shared_task(name="deals.commissions.calculate", acks_late=True)
def calculate_commissions_task(*, run_id: int) -> int:
    return services.calculate_commissions(run_id=run_id)
