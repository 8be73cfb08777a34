"""Applying many decided proposals of a review at once, as a job (``ProposalApplication``).

Each proposal changes a tier, writes its history and audit rows and notifies the partner, which
takes milliseconds: a program's promotions (thousands at 10,000 partners) do not fit in one
request. Ops' bulk apply therefore queues a job that a worker runs chunk by chunk
(``prm.jobs.run_batch``), each chunk one transaction holding the job row's lock. A worker killed
half way loses at most the chunk in flight; running the job again continues after the last
committed chunk, and a proposal applied already is never applied twice. A proposal that cannot
be applied (not decided, applied already, its partner changed tier since the review) is left as
it is and listed with the reason; the others go on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.jobs import reopen_batch, run_batch
from prm.models import User

from ..models import ProposalApplication, TierProposal, TierReview
from .decisions import ReviewError, apply_many, refuse_before_review, require_ops


@transaction.atomic
def start_application(
    *,
    review: TierReview,
    proposals: Iterable[TierProposal],
    actor: User,
    effective_on: dt.date | None = None,
    queue: bool = True,
) -> ProposalApplication:
    """Queue the application of ``proposals`` (of ``review``) from ``effective_on`` (default:
    the review's effective date); the worker picks it up after commit (``queue=False``: none)."""
    require_ops(actor)
    refuse_before_review(review, effective_on)
    ids = sorted({p.pk for p in proposals if p.review_id == review.pk})
    if not ids:
        raise ReviewError(_("Select at least one proposal of this review."))
    application = ProposalApplication.objects.create(
        review=review, requested_by=actor, effective_on=effective_on, item_ids=ids, total=len(ids)
    )
    record_event(
        review,
        actor=actor,
        verb="tier_review.apply_started",
        data={
            "application": application.pk,
            "proposals": len(ids),
            "effective_on": (effective_on or review.effective_on).isoformat(),
        },
    )
    if queue:
        _queue(application.pk)
    return application


@transaction.atomic
def resume_application(*, application: ProposalApplication, actor: User) -> ProposalApplication:
    """Run a failed or stalled application again: it continues where it stopped."""
    require_ops(actor)
    application = reopen_batch(
        ProposalApplication,
        application.pk,
        refuse_done=ReviewError(_("These proposals are applied already.")),
    )
    record_event(
        application.review,
        actor=actor,
        verb="tier_review.apply_resumed",
        data={"application": application.pk, "done": application.done},
    )
    _queue(application.pk)
    return application


def _queue(application_id: int) -> None:
    from ..tasks import apply_tier_proposals

    transaction.on_commit(lambda: apply_tier_proposals.delay(application_id))


def run_application(application_id: int, *, chunk_size: int | None = None) -> ProposalApplication:
    """Apply the job's proposals to the end, or continue after its last committed chunk."""
    return run_batch(
        ProposalApplication,
        application_id,
        process_chunk=_apply_chunk,
        finish=_finished,
        chunk_size=chunk_size,
    )


def _finished(application: ProposalApplication) -> None:
    record_event(
        application.review,
        actor=application.requested_by,
        verb="tier_review.apply_finished",
        data={
            "application": application.pk,
            "applied": application.succeeded,
            "skipped": application.skipped_count,
        },
    )


def _apply_chunk(application: ProposalApplication, ids: list[int]) -> None:
    found = {
        p.pk: p
        for p in TierProposal.objects.select_for_update(of=("self",))
        .select_related("review", "partner", "current_tier", "proposed_tier", "override_tier")
        .filter(review_id=application.review_id, pk__in=ids)
    }
    effective_on = application.effective_on or application.review.effective_on
    reasons: dict[int, str] = {}
    ready = []
    for pk in ids:
        proposal = found.get(pk)
        if proposal is None:
            reasons[pk] = _("No longer a proposal of this review.")
        elif proposal.is_applied:
            reasons[pk] = _("Applied already.")
        elif proposal.decision == TierProposal.Decision.PENDING:
            reasons[pk] = _("Not decided yet: approve or override it first.")
        else:
            ready.append(proposal)
    reasons.update(apply_many(ready, actor=application.requested_by, effective_on=effective_on))
    for pk in ids:
        if pk in reasons:
            proposal = found.get(pk)
            application.skip(pk, str(proposal.partner) if proposal else "", reasons[pk])
        else:
            application.succeeded += 1
