"""Celery's queues and routes, and the periodic jobs beat starts; ``base`` sets them."""

from celery.schedules import crontab
from kombu import Queue

# Queues by kind of work, so that a long job (an import, a commission run, a tier review) never
# delays an email or a webhook, and a slow webhook receiver never delays email. A worker started
# without ``-Q`` consumes every queue listed here (the embedded and small set-ups); production
# runs one worker per kind (docker-compose.yml). Unrouted tasks go to "default".
DEFAULT_QUEUE = "default"
QUEUES = [Queue(name) for name in ("default", "email", "webhooks", "jobs")]
ROUTES = {
    "prm.tasks.send_email_delivery": {"queue": "email"},
    "prm.tasks.requeue_stale_deliveries": {"queue": "email"},
    "prm.webhooks.tasks.*": {"queue": "webhooks"},
    # Long jobs with a progress page; each resumes after its last committed chunk.
    "deals.tasks.process_deal_import": {"queue": "jobs"},
    "enablement.tasks.process_certification_import": {"queue": "jobs"},
    "deals.commissions.calculate": {"queue": "jobs"},
    "deals.commissions.approve_statements": {"queue": "jobs"},
    "mdf.tasks.accrue_month": {"queue": "jobs"},
    "mdf.tasks.expire_funds": {"queue": "jobs"},
    "scorecards.tasks.run_tier_review": {"queue": "jobs"},
    "scorecards.tasks.apply_tier_proposals": {"queue": "jobs"},
    "scorecards.tasks.start_quarterly_tier_review": {"queue": "jobs"},
    "scorecards.tasks.compute_scorecards": {"queue": "jobs"},
    "scorecards.tasks.compute_current_scorecards": {"queue": "jobs"},
    "scorecards.tasks.compute_closed_quarter_scorecards": {"queue": "jobs"},
}


def beat_schedule(fiscal_year_start_month: int) -> dict:
    """Every periodic job and when it runs; the quarterly ones follow the fiscal year."""
    # The months each fiscal quarter starts in, e.g. "1,4,7,10" for a year starting in January.
    quarter_starts = ",".join(str((fiscal_year_start_month - 1 + 3 * q) % 12 + 1) for q in range(4))
    schedule: dict = {
        "expire-stale-invitations": {
            "task": "partners.tasks.expire_invitations",
            "schedule": crontab(minute=15, hour=2),
        },
        "refresh-certification-statuses": {
            "task": "enablement.tasks.refresh_certification_statuses",
            "schedule": crontab(minute=30, hour=3),
        },
        "deals-expire-registrations": {
            "task": "deals.tasks.expire_registrations",
            "schedule": crontab(minute=30, hour=1),
        },
        "deals-send-expiry-reminders": {
            "task": "deals.tasks.send_expiry_reminders",
            "schedule": crontab(minute=0, hour=7),
        },
        "deals-process-sla": {
            "task": "deals.tasks.process_sla",
            "schedule": crontab(minute=5),
        },
        "webhooks-send-due-deliveries": {
            "task": "prm.webhooks.tasks.send_due_deliveries",
            "schedule": crontab(),  # every minute: retries fall due on the backoff schedule
        },
        "prm-requeue-stale-email-deliveries": {
            "task": "prm.tasks.requeue_stale_deliveries",
            "schedule": crontab(minute="*/5"),
        },
        "deals-release-commission-holds": {
            "task": "deals.commissions.release_held_lines",
            "schedule": crontab(minute=45, hour=0),
        },
        "deals-recall-overdue-leads": {
            "task": "deals.tasks_leads.recall_overdue_leads",
            "schedule": crontab(minute="*/15"),
        },
        # The previous month's MDF accrual on the 2nd (late-recorded wins of the 1st included), the
        # expiry of funds past their last day and lapsed claims every night.
        "mdf-accrue-previous-month": {
            "task": "mdf.tasks.accrue_month",
            "schedule": crontab(minute=0, hour=4, day_of_month=2),
        },
        "mdf-expire-funds": {
            "task": "mdf.tasks.expire_funds",
            "schedule": crontab(minute=15, hour=4),
        },
        "mdf-lapse-overdue-claims": {
            "task": "mdf.tasks.lapse_overdue_claims",
            "schedule": crontab(minute=30, hour=4),
        },
    }

    # The quarterly tier review runs on the first day of each fiscal quarter, for the quarter that
    # just closed (the months follow fiscal_year_start_month).
    schedule["scorecards-quarterly-tier-review"] = {
        "task": "scorecards.tasks.start_quarterly_tier_review",
        "schedule": crontab(
            minute=0,
            hour=4,
            day_of_month=1,
            month_of_year=quarter_starts,
        ),
    }

    # Partner scorecards: the current quarter refreshed every Monday, and the final scorecards of
    # the quarter that just closed on the first day of the next one (kept as they are after that).
    schedule["scorecards-current-quarter"] = {
        "task": "scorecards.tasks.compute_current_scorecards",
        "schedule": crontab(minute=30, hour=3, day_of_week=1),
    }
    schedule["scorecards-closed-quarter"] = {
        "task": "scorecards.tasks.compute_closed_quarter_scorecards",
        "schedule": crontab(
            minute=30,
            hour=3,
            day_of_month=1,
            month_of_year=quarter_starts,
        ),
    }
    return schedule
