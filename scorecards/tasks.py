from celery import shared_task
from django.utils import timezone

from .review import selectors, services


@shared_task(name="scorecards.tasks.run_tier_review", acks_late=True)
def run_tier_review(review_id: int) -> int:
    """Run (or continue) a tier review. Safe to run twice: reviewed partners are skipped."""
    return services.run_review(review_id).partners_done


@shared_task(name="scorecards.tasks.start_quarterly_tier_review", acks_late=True)
def start_quarterly_tier_review() -> int:
    """Scheduled on the first day of each fiscal quarter: review the quarter that just closed."""
    quarter = selectors.last_closed_quarter(timezone.localdate())
    return services.start_review(quarter=quarter.label, actor=None).pk


@shared_task(name="scorecards.tasks.send_tier_warnings", acks_late=True)
def send_tier_warnings(review_id: int) -> int:
    """Warn the partners a finished review found below requirements for the first time."""
    return services.send_warnings(review_id)


@shared_task(name="scorecards.tasks.compute_scorecards", acks_late=True)
def compute_scorecards(run_id: int) -> int:
    """Compute (or continue computing) a quarter's scorecards. Safe to run twice."""
    from .cards.services import run_scorecards

    return run_scorecards(run_id).partners_done


@shared_task(name="scorecards.tasks.compute_current_scorecards", acks_late=True)
def compute_current_scorecards() -> int:
    """Scheduled: refresh the current quarter's scorecards (closed quarters stay as they are)."""
    from .cards.services import current_quarter, start_run

    return start_run(quarter=current_quarter().label, actor=None).pk


@shared_task(name="scorecards.tasks.compute_closed_quarter_scorecards", acks_late=True)
def compute_closed_quarter_scorecards() -> int:
    """Scheduled on the first day of each fiscal quarter: the final scorecards of the quarter
    that just closed."""
    from .cards.services import current_quarter, start_run

    return start_run(quarter=current_quarter().previous().label, actor=None).pk


@shared_task(name="scorecards.tasks.apply_tier_proposals", acks_late=True)
def apply_tier_proposals(application_id: int) -> int:
    """Apply (or continue applying) a bulk selection of decided proposals. Safe to run twice:
    applied proposals are skipped. A failure is recorded on the job, which ops can resume."""
    from prm.jobs import run_recording_failure

    from .models import ProposalApplication
    from .review import applying

    return run_recording_failure(
        ProposalApplication, application_id, applying.run_application
    ).succeeded
