"""The commission job: a run id in, one service call."""

from celery import shared_task

from . import services


@shared_task(name="deals.commissions.calculate", acks_late=True)
def calculate_commissions_task(*, run_id: int) -> int:
    return services.calculate_commissions(run_id=run_id)


@shared_task(name="deals.commissions.approve_statements", acks_late=True)
def approve_statements_task(*, job_id: int) -> int:
    """Approve (or continue approving) every statement of a bulk approval. Safe to run twice:
    approved statements are not approved again. A failure is recorded on the job."""
    from prm.jobs import run_recording_failure

    from .approvals import run_bulk_approval
    from .models import StatementApproval

    return run_recording_failure(StatementApproval, job_id, run_bulk_approval).succeeded


@shared_task(name="deals.commissions.release_held_lines", acks_late=True)
def release_held_lines_task() -> int:
    """Every night: held lines whose hold has ended become payable."""
    from .statements import release_held_lines

    return release_held_lines()
