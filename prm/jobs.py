"""Long imports as background jobs that survive a dying worker.

An import is a row (a subclass of ``ImportJob``) holding the stored upload, its status and its
progress. A Celery task (id in) calls ``run_import``, which reads the file and processes it in
chunks. Each chunk is one transaction, holding the job row's lock, that

- skips every line up to ``last_line`` (what an earlier run already committed),
- processes the next rows so that a bad row never undoes its neighbours: each row in its own
  savepoint, or the chunk in one batch under a savepoint, imported again row by row if the
  batch fails in the database (deal imports),
- appends the rows' results to the report, bumps the counters and moves ``last_line`` on.

Because the rows and ``last_line`` commit together, a worker killed half way loses at most the
chunk in flight, and running the task again (twice at once, even) continues where the last
commit left off without creating anything twice. ``resume_imports`` restarts stalled jobs.
"""

import datetime as dt
import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .bulk import atomic_bulk
from .exceptions import DomainError

CHUNK_SIZE = 100
# A queued or running job whose row has not moved for this long has lost its worker.
STALLED_AFTER = dt.timedelta(minutes=10)

Row = tuple[int, dict]


class JobStatus(models.TextChoices):
    """Where a background job stands: imports and batches alike."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """Status, stored upload and progress of one background import."""

    Status = JobStatus

    # The dotted path of the Celery task that processes a job of this model (id in).
    task_path = ""
    # Rows per chunk (one transaction) when not ``CHUNK_SIZE``: larger for jobs that process a
    # chunk in one batch.
    chunk_size: int | None = None

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    upload = models.FileField(_("uploaded file"), upload_to="imports/%Y/%m/", blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    # The line of the file (header = 1) up to which rows are processed and committed.
    last_line = models.PositiveIntegerField(_("last processed line"), default=0)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last progress"), default=timezone.now)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        return int(100 * self.rows_done / self.row_count) if self.row_count else 0

    def add_results(self, results: list[dict]) -> None:
        """Append one chunk's row results to the report and count their outcomes."""
        raise NotImplementedError

    def read_data(self) -> bytes:
        with self.upload.open("rb") as handle:
            return handle.read()


Job = TypeVar("Job", bound=ImportJob)


def run_import(
    model: type[Job],
    job_id: int,
    *,
    read: Callable[[Job], Sequence[Row]],
    process_chunk: Callable[[Job, Sequence[Row]], list[dict]],
    finish: Callable[[Job], Any],
    chunk_size: int | None = None,
) -> Job:
    """Process the job ``job_id`` of ``model`` to the end (or continue where it stopped).

    ``read`` returns the file's rows as (line, row); ``process_chunk`` handles rows in order and
    returns one result dict per row; ``finish`` runs in the transaction that marks the job done
    (the audit row and the summary notification). A file that cannot be read any more fails
    the job with its message; any other error propagates and leaves the job to be resumed."""
    job = model._default_manager.get(pk=job_id)
    if job.is_finished:
        return job
    try:
        rows = read(job)
    except DomainError as exc:
        return _fail(model, job_id, exc.message)
    _mark_running(model, job_id)
    while True:
        with atomic_bulk():
            job = model._default_manager.select_for_update().get(pk=job_id)
            if job.is_finished:
                return job
            size = chunk_size or model.chunk_size or CHUNK_SIZE
            pending = [row for row in rows if row[0] > job.last_line][:size]
            if pending:
                job.add_results(process_chunk(job, pending))
                job.last_line = pending[-1][0]
                job.rows_done += len(pending)
            else:
                job.status = job.Status.DONE
                job.finished_at = timezone.now()
                finish(job)
            job.updated_at = timezone.now()
            job.save()
        if job.is_finished:
            return job


def _mark_running(model: "type[ImportJob] | type[BatchJob]", job_id: int) -> None:
    now = timezone.now()
    model._default_manager.filter(pk=job_id, started_at__isnull=True).update(started_at=now)
    model._default_manager.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, updated_at=now
    )


def _fail(model: type[Job], job_id: int, message: str) -> Job:
    now = timezone.now()
    model._default_manager.filter(pk=job_id).exclude(status=ImportJob.Status.DONE).update(
        status=ImportJob.Status.FAILED, error=message, finished_at=now, updated_at=now
    )
    return model._default_manager.get(pk=job_id)


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a job builds a large structure of small objects
    that all stay alive until it is done (a tier review's standings: four per partner, each with
    its rows). Every full collection walks every live object again, and while the structure
    grows the collector runs again and again: 0.4–0.5 s of a 1.3 s review of 9,000 partners.
    What the job leaves behind is collected as usual once the collector runs again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- Batches of existing rows ----------------------------------------------------------------


class BatchJob(models.Model):
    """Ops' action on many existing rows at once (apply proposals, approve statements), run by a
    worker ``chunk_size`` rows at a time with visible progress. The rows are chosen when the
    job starts (``item_ids``, in order); the first ``done`` of them are dealt with. A row the
    action refuses is left as it is and listed in ``skipped`` with the reason."""

    Status = JobStatus

    # Rows per chunk (one transaction).
    chunk_size = 100

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item_ids = models.JSONField(default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows done"), default=0)
    succeeded = models.PositiveIntegerField(_("rows changed"), default=0)
    # Rows left as they were, each {"id": pk, "label": text, "reason": text}.
    skipped = models.JSONField(default=list)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last progress"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def skipped_count(self) -> int:
        return len(self.skipped)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, int(100 * self.done / self.total)) if self.total else 0

    def skip(self, pk: int, label: str, reason: str) -> None:
        self.skipped.append({"id": pk, "label": label, "reason": reason})


Batch = TypeVar("Batch", bound=BatchJob)


def run_batch(
    model: type[Batch],
    job_id: int,
    *,
    process_chunk: Callable[[Batch, list[int]], None],
    finish: Callable[[Batch], Any],
    chunk_size: int | None = None,
) -> Batch:
    """Run the batch ``job_id`` of ``model`` to the end, or continue after its last committed
    chunk. ``process_chunk`` deals with the chunk's ids (counting ``succeeded``, calling
    ``skip``); ``finish`` runs in the transaction that marks the job done (its audit row)."""
    job = model._default_manager.get(pk=job_id)
    if job.is_finished:
        return job
    _mark_running(model, job_id)
    while True:
        with atomic_bulk():
            job = model._default_manager.select_for_update(of=("self",)).get(pk=job_id)
            if job.is_finished:
                return job
            ids = job.item_ids[job.done : job.done + (chunk_size or model.chunk_size)]
            if ids:
                process_chunk(job, ids)
                job.done += len(ids)
            else:
                job.status = job.Status.DONE
                job.finished_at = timezone.now()
                finish(job)
            job.updated_at = timezone.now()
            job.save()
        if job.is_finished:
            return job


def fail_batch(model: type[BatchJob], job_id: int, message: str) -> None:
    """Record why the batch stopped; its committed chunks stay, and it can run again."""
    now = timezone.now()
    model._default_manager.filter(pk=job_id).exclude(status=JobStatus.DONE).update(
        status=JobStatus.FAILED, error=message[:2000], finished_at=now, updated_at=now
    )


def run_recording_failure(model: type[Batch], job_id: int, run: Callable[[int], Batch]) -> Batch:
    """``run(job_id)`` for a task: a failure is recorded on the job (``fail_batch``), so its
    page says why it stopped, and raised again for the worker's log."""
    try:
        return run(job_id)
    except Exception as exc:
        fail_batch(model, job_id, str(exc) or exc.__class__.__name__)
        raise


def batch_outcome(job: BatchJob, *, finished: str, queued: str) -> str:
    """What to tell whoever started ``job`` or started it again: ``finished`` (with
    ``%(succeeded)s`` and ``%(skipped)s``) when it is done already (tasks run in the request
    without a worker), else ``queued`` (with ``%(total)s``)."""
    job.refresh_from_db()
    if job.status == job.Status.DONE:
        return finished % {"succeeded": job.succeeded, "skipped": job.skipped_count}
    return queued % {"total": job.total}


def reopen_batch(model: type[Batch], job_id: int, *, refuse_done: DomainError) -> Batch:
    """Mark a failed or stalled batch queued again, under its row's lock (the caller queues
    its task); a finished one is refused with ``refuse_done``."""
    job = model._default_manager.select_for_update().get(pk=job_id)
    if job.status == job.Status.DONE:
        raise refuse_done
    job.status = job.Status.QUEUED
    job.error = ""
    job.finished_at = None
    job.updated_at = timezone.now()
    job.save()
    return job


# --- Stalled jobs ----------------------------------------------------------------------------


def job_models() -> list[type[ImportJob]]:
    return [m for m in apps.get_models() if issubclass(m, ImportJob) and m.task_path]


def stalled_jobs(*, older_than: dt.timedelta = STALLED_AFTER) -> list[ImportJob]:
    """Queued or running jobs whose progress has not moved for ``older_than``."""
    cutoff = timezone.now() - older_than
    found: list[ImportJob] = []
    for model in job_models():
        found.extend(
            model._default_manager.filter(
                status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING],
                updated_at__lt=cutoff,
            ).order_by("pk")
        )
    return found


def resume(job: ImportJob, *, queue: bool = True) -> None:
    """Run the job's task again: queued for a worker, or here and now."""
    task = import_string(job.task_path)
    if queue:
        task.delay(job.pk)
    else:
        task.apply(args=[job.pk], throw=True)
