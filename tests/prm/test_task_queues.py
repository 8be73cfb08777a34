"""Tasks are routed to queues by kind, and the production stack has a worker for every queue."""

import pytest
import yaml
from django.conf import settings

from prm.celery import app

from .test_deployment import ROOT, WORKERS

QUEUES = {queue.name for queue in settings.CELERY_TASK_QUEUES}


def project_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def consumed_queues(command: list[str]) -> set[str]:
    """The queues a ``celery worker`` command consumes: its ``-Q`` list, else every queue."""
    if "-Q" not in command:
        return set(app.amqp.queues)
    return set(command[command.index("-Q") + 1].split(","))


def test_every_task_goes_to_a_declared_queue():
    tasks = project_tasks()
    assert len(tasks) > 15
    for name in tasks:
        assert queue_of(name) in QUEUES, name


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("prm.tasks.send_email_delivery", "email"),
        ("prm.webhooks.tasks.send_delivery", "webhooks"),
        ("prm.webhooks.tasks.send_due_deliveries", "webhooks"),
        ("deals.tasks.process_deal_import", "jobs"),
        ("enablement.tasks.process_certification_import", "jobs"),
        ("deals.commissions.calculate", "jobs"),
        ("mdf.tasks.accrue_month", "jobs"),
        ("scorecards.tasks.run_tier_review", "jobs"),
        ("scorecards.tasks.compute_scorecards", "jobs"),
        ("deals.tasks.process_sla", "default"),
        ("deals.tasks_leads.recall_overdue_leads", "default"),
    ],
)
def test_long_jobs_never_share_a_queue_with_email_or_webhooks(task, queue):
    assert task in project_tasks()
    assert queue_of(task) == queue


def test_a_worker_without_a_queue_list_consumes_every_queue():
    """`make worker` and small set-ups run one plain worker; it must not miss a routed task."""
    assert set(app.amqp.queues) == QUEUES


def test_the_compose_stack_consumes_every_queue_with_a_worker_per_kind():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    consumed = {name: consumed_queues(services[name]["command"]) for name in WORKERS}
    assert set().union(*consumed.values()) == QUEUES
    assert consumed["worker-jobs"] == {"jobs"}
    assert "jobs" not in consumed["worker"] | consumed["worker-webhooks"]


def test_every_scheduled_task_exists_and_is_routed():
    tasks = project_tasks()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in tasks
        assert queue_of(entry["task"]) in QUEUES


def test_web_and_workers_share_the_uploaded_files():
    """An import is uploaded through web and read by worker-jobs: both must see the file."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    media = {"media:/app/media", "private-media:/app/private-media"}
    for name in ("web", *WORKERS):
        assert media <= set(services[name]["volumes"]), name
