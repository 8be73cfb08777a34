"""Ops' bulk approval of statements, where one refusal must not stop the others.

The portal approves what it can and reports each refusal by statement: ``approve_together``
refuses the statements that are not drafts before it writes anything, and approves the others
in a fixed number of queries.

A ticked selection (a page's worth) is approved in the request (``approve_each``). Every draft
statement a filter matches (a period of a large program holds tens of thousands) is approved by
a job a worker runs chunk by chunk (``StatementApproval``, ``prm.jobs.run_batch``), each chunk
approved together; a refusal is listed with the reason and the others go on, and a stopped job
continues after its last committed chunk.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.id_sets import id_set
from prm.jobs import reopen_batch, run_batch
from prm.models import User

from .exceptions import CommissionError
from .models import Statement, StatementApproval
from .statements import approve_together, require_ops


@dataclass
class BulkApproval:
    approved: list[Statement] = field(default_factory=list)
    refused: list[tuple[Statement, str]] = field(default_factory=list)


def approve_each(*, statements, actor: User) -> BulkApproval:
    result = approve_together(statement_ids=[s.pk for s in statements], actor=actor)
    return BulkApproval(
        approved=result.approved,
        refused=[(statement, exc.message) for statement, exc in result.refused],
    )


# --- Every statement a filter matches, as a job ------------------------------------------------


@transaction.atomic
def start_bulk_approval(
    *, statement_ids: Iterable[int], actor: User, queue: bool = True
) -> StatementApproval:
    """Queue the approval of the draft statements among ``statement_ids`` (ids the caller read
    through its scoped selector); the worker picks it up after commit (``queue=False``: none)."""
    require_ops(actor)
    # Earlier periods first: approving a statement approves its partner's earlier drafts in its
    # currency, which a later chunk would otherwise find approved already.
    ids = list(
        Statement.objects.filter(
            pk__in=id_set(sorted(set(statement_ids))), status=Statement.Status.DRAFT
        )
        .order_by("period", "pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        raise CommissionError(_("No draft statement matches: there is nothing to approve."))
    job = StatementApproval.objects.create(requested_by=actor, item_ids=ids, total=len(ids))
    record_event(job, actor=actor, verb="statement_bulk_approval.started", data={"total": len(ids)})
    if queue:
        _queue(job.pk)
    return job


@transaction.atomic
def resume_bulk_approval(*, job: StatementApproval, actor: User) -> StatementApproval:
    """Run a failed or stalled approval again: it continues where it stopped."""
    require_ops(actor)
    job = reopen_batch(
        StatementApproval, job.pk, refuse_done=CommissionError(_("This approval has finished."))
    )
    record_event(job, actor=actor, verb="statement_bulk_approval.resumed", data={"done": job.done})
    _queue(job.pk)
    return job


def _queue(job_id: int) -> None:
    from .tasks import approve_statements_task

    transaction.on_commit(lambda: approve_statements_task.delay(job_id=job_id))


def run_bulk_approval(job_id: int, *, chunk_size: int | None = None) -> StatementApproval:
    return run_batch(
        StatementApproval,
        job_id,
        process_chunk=_approve_chunk,
        finish=_finished,
        chunk_size=chunk_size,
    )


def _finished(job: StatementApproval) -> None:
    record_event(
        job,
        actor=job.requested_by,
        verb="statement_bulk_approval.finished",
        data={"approved": job.succeeded, "refused": job.skipped_count},
    )


def _approve_chunk(job: StatementApproval, ids: list[int]) -> None:
    actor = job.requested_by
    if actor is None:  # the account is protected while its jobs exist; never expected
        raise CommissionError(_("The approval has lost the person who asked for it."))
    result = approve_together(statement_ids=ids, actor=actor)
    job.succeeded += len(result.approved)
    refused = {statement.pk: (statement, exc) for statement, exc in result.refused}
    found = {s.pk for s in result.approved} | set(refused)
    for pk in ids:
        if pk in refused:
            statement, exc = refused[pk]
            job.skip(pk, str(statement), exc.message)
        elif pk not in found:
            job.skip(pk, "", _("This statement no longer exists."))
