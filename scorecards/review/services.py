"""Writes of the quarterly tier review: start or resume a review and run it in chunks (ops'
decisions on its proposals, and applying them, are in ``decisions``).

A review processes the active partners in id order, ``CHUNK_SIZE`` at a time. The set-based
metrics measure up to ``measuring.MEASURE_SIZE`` partners ahead at once (one query per metric
for the whole program on the usual scale), then each chunk is one transaction holding the review
row's lock that writes one proposal per partner (unique per review and partner), applies
automatic promotions and moves ``last_partner_id`` on. A worker writes each chunk on a
connection of its own while it proposes the next (``prm.side_by_side.one_behind``): the
database stores one chunk while Python works out the next, one chunk at a time, in order. A
worker killed half way loses at most the chunk in flight; starting the review again measures
again what is left, continues after the last committed chunk and never writes a second proposal
for a partner.

The partners at their first miss are warned by a follow-up job queued when the review finishes
(``send_warnings``): one notification each, deduplicated, so it is safe to run again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Tier
from partners.selectors import admins_of_partners, tiers_with_requirements
from partners.tier_progress import TierStanding
from prm.audit import record_change, record_event, snapshot
from prm.bulk import JSONText, atomic_bulk, insert_rows
from prm.id_sets import id_set
from prm.jobs import cycle_collector_paused
from prm.models import User
from prm.notifications import resolve_keyed
from prm.side_by_side import one_behind

from ..models import TierProposal, TierReview, TierReviewSettings
from . import selectors
from .decisions import (
    KIND_MANAGER_WARNING,
    KIND_WARNING,
    WARNING_KINDS,
    ReviewError,
    approve_and_apply_automatically,
    require_ops,
    tell_partner_and_manager,
    warning_key,
)
from .measuring import PartnerRow, measure_ahead
from .policy import Draft, Verdicts, Weights, Wording, program_snapshot, propose

# Partners proposed and written per transaction (measured ``MEASURE_SIZE`` at a time): an
# interrupted run loses at most one chunk, and the progress moves on with each.
CHUNK_SIZE = 3000
Decision = TierProposal.Decision


# --- Starting and running ---------------------------------------------------------------------


@transaction.atomic
def start_review(*, quarter: str, actor: User | None, queue: bool = True) -> TierReview:
    """Create the review of ``quarter`` (``2026-Q3``), or start an existing one again: a
    finished review picks up partners that have no proposal yet, an interrupted one continues
    where it stopped. The run is queued for a worker after commit (``queue=False``: none)."""
    require_ops(actor)
    try:
        period = selectors.parse_quarter(quarter)
    except ValueError as exc:
        raise ReviewError(str(exc)) from exc
    if period.end >= timezone.localdate():
        raise ReviewError(
            _("%(quarter)s has not closed yet: a review measures a closed quarter.")
            % {"quarter": period.label}
        )
    later = (
        TierReview.objects.filter(period_start__gt=period.start).order_by("-period_start").first()
    )
    if later is not None:
        # Tiers are measured as they stand today, and partners below theirs are warned: an
        # earlier quarter reviewed after a later one would measure the later quarter's tiers
        # and warn the same partners again.
        raise ReviewError(
            _("The %(later)s review exists: a quarter before it can no longer be reviewed.")
            % {"later": later.quarter}
        )
    review, created = TierReview.objects.select_for_update().get_or_create(
        quarter=period.label,
        defaults={
            "period_start": period.start,
            "period_end": period.end,
            "effective_on": period.end + dt.timedelta(days=1),
            "started_by": actor,
        },
    )
    if not created and review.status in (TierReview.Status.DONE, TierReview.Status.FAILED):
        review.status = TierReview.Status.QUEUED
        review.last_partner_id = 0
        review.finished_at = None
        review.error = ""
    review.partners_total = selectors.partners_to_review().count()
    review.updated_at = timezone.now()
    review.save()
    record_event(
        review,
        actor=actor,
        verb="tier_review.started" if created else "tier_review.restarted",
        to_state=review.status,
        rule="" if actor else "scheduled quarterly tier review",
    )
    if queue:
        from ..tasks import run_tier_review

        transaction.on_commit(lambda: run_tier_review.delay(review.pk))
    return review


def run_review(review_id: int, *, chunk_size: int | None = None) -> TierReview:
    """Run the review to the end, or continue it where the last committed chunk left off."""
    review = TierReview.objects.get(pk=review_id)
    if review.is_finished:
        return review
    now = timezone.now()
    TierReview.objects.filter(pk=review_id, started_at__isnull=True).update(started_at=now)
    TierReview.objects.filter(pk=review_id, status=TierReview.Status.QUEUED).update(
        status=TierReview.Status.RUNNING, updated_at=now
    )
    tiers = list(tiers_with_requirements().order_by("rank"))
    if not review.program:
        TierReview.objects.filter(pk=review_id).update(program=program_snapshot(tiers))
    settings_row = TierReviewSettings.current()
    policy = _Policy(tiers, Weights.from_settings(settings_row), Wording.current())
    with cycle_collector_paused():  # thousands of partners' metrics, standings and proposals
        _propose_all(review, policy, settings_row.auto_apply_promotions, chunk_size or CHUNK_SIZE)
    return _finish(review_id)


@dataclass(frozen=True)
class _Policy:
    tiers: list[Tier]
    weights: Weights
    wording: Wording


def _propose_all(review: TierReview, policy: _Policy, auto_promote: bool, size: int) -> None:
    """A proposal for every partner to review that has none yet, from the last committed chunk
    on: measured ahead (``measuring``), proposed and written ``size`` partners at a time, each
    chunk written while the next one is proposed (``one_behind``)."""
    first = review.last_partner_id + 1
    with one_behind() as writer:
        while True:
            partners, measured = measure_ahead(review, first, policy.tiers)
            if measured is None:
                return
            for start in range(0, len(partners), size):
                chunk = partners[start : start + size]
                rows = _proposal_rows(review, chunk, measured.of(chunk), policy)
                writer.submit(_write_chunk, review.pk, rows, chunk[-1].pk, auto_promote)
            first = partners[-1].pk + 1


def _write_chunk(
    review_id: int, rows: list[tuple], last_partner_id: int, auto_promote: bool
) -> None:
    """One chunk's proposals in one transaction holding the review row's lock, with the
    review's progress: a worker killed half way loses at most this chunk.

    Its commit does not wait for the disk (``redone_if_lost``) unless it applies promotions: a
    chunk that a crash of the database server loses is proposed again when the review is run
    again, but a partner told of its promotion should not lose it."""
    with atomic_bulk(redone_if_lost=not auto_promote):
        review = TierReview.objects.select_for_update().get(pk=review_id)
        if review.is_finished:
            return
        written = _review_chunk(review, rows, auto_promote)
        review.last_partner_id = max(review.last_partner_id, last_partner_id)
        _count_written(review, written)
        review.updated_at = timezone.now()
        review.save()


def _finish(review_id: int) -> TierReview:
    with transaction.atomic():
        review = TierReview.objects.select_for_update().get(pk=review_id)
        if review.is_finished:
            return review
        _count(review)
        review.status = TierReview.Status.DONE
        review.finished_at = review.updated_at = timezone.now()
        _queue_warnings(review.pk)
        record_event(
            review,
            actor=None,
            verb="tier_review.finished",
            from_state=TierReview.Status.RUNNING,
            to_state=TierReview.Status.DONE,
            data={
                "promote": review.promote_count,
                "demote": review.demote_count,
                "hold": review.hold_count,
                "warned": review.warned_count,
            },
        )
        review.save()
    return review


def _count_written(review: TierReview, rows: list[tuple]) -> None:
    """Add a chunk's proposals (rows of ``PROPOSAL_COLUMNS``) to the review's counts, under its
    lock; the review counts its proposals again when it finishes (``_count``)."""
    actions = Counter(row[_ACTION] for row in rows)
    review.partners_done += len(rows)
    review.partners_total = max(review.partners_total, review.partners_done)
    review.promote_count += actions[TierProposal.Action.PROMOTE]
    review.demote_count += actions[TierProposal.Action.DEMOTE]
    review.hold_count += actions[TierProposal.Action.HOLD]
    review.warned_count += sum(1 for row in rows if row[_WARNED])


def _count(review: TierReview) -> None:
    counts = review.proposals.order_by().aggregate(
        total=Count("pk"),
        promote=Count("pk", filter=Q(action=TierProposal.Action.PROMOTE)),
        demote=Count("pk", filter=Q(action=TierProposal.Action.DEMOTE)),
        hold=Count("pk", filter=Q(action=TierProposal.Action.HOLD)),
        warned=Count("pk", filter=Q(warned=True)),
    )
    review.partners_done = counts["total"]
    review.partners_total = max(review.partners_total, counts["total"])
    review.promote_count = counts["promote"]
    review.demote_count = counts["demote"]
    review.hold_count = counts["hold"]
    review.warned_count = counts["warned"]


def _proposal_rows(
    review: TierReview,
    partners: list[PartnerRow],
    standings: dict[int, dict[int, TierStanding]],
    policy: _Policy,
) -> list[tuple]:
    """The proposal of each of ``partners`` (measured in ``standings``) as a row of
    ``PROPOSAL_COLUMNS``."""
    previous = selectors.previous_misses(review, [p.pk for p in partners])
    now = timezone.now()
    verdicts = Verdicts(policy.weights)
    tier_by_id = {tier.pk: tier for tier in policy.tiers}
    rows = []
    shared: dict[int, str] = {}
    for partner in partners:
        misses, tier_then = previous.get(partner.pk, (0, None))
        draft = propose(
            current=tier_by_id[partner.tier_id] if partner.tier_id else None,
            standings=standings[partner.pk],
            tiers=policy.tiers,
            previous_misses=misses if tier_then == partner.tier_id else 0,
            weights=policy.weights,
            wording=policy.wording,
            verdicts=verdicts,
        )
        rows.append(_proposal_row(review, partner, draft, now, shared))
    return rows


def _review_chunk(review: TierReview, rows: list[tuple], auto_promote: bool) -> list[tuple]:
    """Write a chunk's proposal rows (in partner id order), skipping any partner that has a
    proposal by now, and apply its automatic promotions (in the chunk's transaction, under the
    review's lock). Returns the rows written."""
    if not rows:
        return rows
    # The partners of the chunk's id range that have a proposal: none, unless another run of
    # the review got there first (found from the range with the unique index, not from its ids).
    done = set(
        review.proposals.filter(
            partner_id__gte=rows[0][_PARTNER], partner_id__lte=rows[-1][_PARTNER]
        ).values_list("partner_id", flat=True)
    )
    if done:
        rows = [row for row in rows if row[_PARTNER] not in done]
    # Only partners without a proposal, under the review's lock: no row can conflict.
    insert_rows(TierProposal, PROPOSAL_COLUMNS, rows)
    if auto_promote and rows:
        promotions = TierProposal.objects.filter(
            review=review,
            partner_id__in=id_set(row[_PARTNER] for row in rows),
            action=TierProposal.Action.PROMOTE,
            applied_at__isnull=True,
        ).select_related("review", "partner", "current_tier", "proposed_tier")
        approve_and_apply_automatically(list(promotions.order_by("pk")), review)
    return rows


# The columns a review writes; the others (the decision, its application) keep their defaults.
PROPOSAL_COLUMNS = (
    "review_id",
    "partner_id",
    "current_tier_id",
    "proposed_tier_id",
    "qualified_tier_id",
    "action",
    "below_requirements",
    "misses",
    "warned",
    "score",
    "reasons",
    "metrics",
    "created_at",
)
_PARTNER = PROPOSAL_COLUMNS.index("partner_id")
_ACTION = PROPOSAL_COLUMNS.index("action")
_WARNED = PROPOSAL_COLUMNS.index("warned")


def _proposal_row(
    review: TierReview, partner: PartnerRow, draft: Draft, now, shared: dict[int, str]
) -> tuple:
    # Values, not a TierProposal: thousands of rows are written per chunk.
    return (
        review.pk,
        partner.pk,
        partner.tier_id,
        draft.proposed_tier.pk if draft.proposed_tier else None,
        draft.qualified_tier.pk if draft.qualified_tier else None,
        draft.action,
        draft.below_requirements,
        draft.misses,
        draft.warned,
        draft.score,
        JSONText(json.dumps(draft.reasons)),
        _snapshot_text(draft.metrics, shared),
        now,
    )


def _snapshot_text(snapshot: dict, shared: dict[int, str]) -> JSONText:
    """The metrics snapshot as JSON. Its tiers' verdicts are one dict per pattern of met
    criteria, shared by every partner with that pattern (``policy.Verdicts``, alive for the
    chunk): serialized once each (``shared``, keyed by the dict's identity), not per row."""
    tiers = snapshot["tiers"]
    text = shared.get(id(tiers))
    if text is None:
        text = shared[id(tiers)] = json.dumps(tiers)
    metrics = json.dumps(snapshot["metrics"])
    return JSONText(f'{{"metrics": {metrics}, "tiers": {text}}}')


def _queue_warnings(review_id: int) -> None:
    from ..tasks import send_tier_warnings

    transaction.on_commit(lambda: send_tier_warnings.delay(review_id))


def send_warnings(review_id: int, *, chunk_size: int = CHUNK_SIZE) -> int:
    """Warn each partner the review found below its tier's requirements for the first time
    (its admins and its channel account manager), with an audit row. Runs again safely: a
    partner already warned for this review is skipped. Returns how many were warned now.

    The previous review's warnings leave the bell first: this review has judged those partners
    again (met the tier by now, or proposed for demotion)."""
    review = TierReview.objects.get(pk=review_id)
    previous = selectors.previous_review(review)
    if previous is not None:
        resolve_keyed(
            WARNING_KINDS,
            [
                warning_key(previous.pk, partner_id)
                for partner_id in previous.proposals.filter(warned=True).values_list(
                    "partner_id", flat=True
                )
            ],
        )
    warned = TierProposal.objects.filter(
        review=review, warned=True, warned_at__isnull=True
    ).order_by("pk")
    sent, last = 0, 0
    while True:
        chunk = list(warned.filter(pk__gt=last).only("pk")[:chunk_size])
        if not chunk:
            return sent
        last = chunk[-1].pk
        with transaction.atomic():
            chunk = list(
                TierProposal.objects.select_for_update(of=("self",))
                .filter(pk__in=[p.pk for p in chunk], warned_at__isnull=True)
                .select_related("partner", "partner__channel_manager", "current_tier")
            )
            sent += _warn(review, chunk)


def _warn(review: TierReview, proposals: list[TierProposal]) -> int:
    admins = admins_of_partners([p.partner_id for p in proposals])
    standing = reverse("enablement:standing")
    for proposal in proposals:
        partner = proposal.partner
        tell_partner_and_manager(
            partner,
            admins=admins.get(partner.pk, []),
            manager=partner.channel_manager,
            partner_url=standing,
            kind=KIND_WARNING,
            manager_kind=KIND_MANAGER_WARNING,
            template="scorecards/email/tier_warning",
            context={"proposal": proposal, "partner": partner, "review": review},
            dedupe_key=warning_key(review.pk, partner.pk),
        )
        record_event(
            partner,
            actor=None,
            verb="tier_review.warned",
            reason=" ".join(proposal.reasons),
            rule=f"tier review {review.quarter}: first review below requirements",
        )
    TierProposal.objects.filter(pk__in=[p.pk for p in proposals]).update(warned_at=timezone.now())
    return len(proposals)


# --- Program settings -------------------------------------------------------------------------

SETTING_FIELDS = (
    "certification_weight",
    "reference_weight",
    "revenue_weight",
    "deals_weight",
    "qualifying_percent",
    "certifications_required",
    "grace_reviews",
    "auto_apply_promotions",
)


@transaction.atomic
def update_review_settings(*, actor: User, **values) -> TierReviewSettings:
    """Change the review policy's weights and rules (program ops), with an audit row of each
    value changed, before and after (none when nothing changed)."""
    require_ops(actor)
    unknown = set(values) - set(SETTING_FIELDS)
    if unknown:
        raise ValueError(f"Unknown tier review settings: {sorted(unknown)}")
    row = TierReviewSettings.current()
    before = snapshot(row, list(values))
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    record_change(
        row,
        actor=actor,
        verb="tier_review_settings.changed",
        before=before,
        after=snapshot(row, list(values)),
    )
    return row
