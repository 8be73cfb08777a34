"""Ops' decisions on a finished tier review's proposals: approve or override one or many, and
apply them with an effective date (tier changes go through ``partners.services``; the partner's
admins and channel account manager are told). The review's run (``services``) applies
promotions itself when the program says so, through ``approve_and_apply_automatically``.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner, Tier
from partners.selectors import admins_of_partners
from partners.services import TierMove, move_partner_tiers
from prm.audit import build_event, record_event, record_events
from prm.bulk import atomic_bulk
from prm.exceptions import DomainError
from prm.id_sets import id_set
from prm.models import User
from prm.notifications import notify, resolve_keyed
from prm.permissions import require_program_ops

from ..models import TierProposal, TierReview

KIND_CHANGED = "scorecards.tier_changed"
KIND_WARNING = "scorecards.tier_warning"  # the partner's admins: an action, close the gap
# Its channel account manager's copy: news (the manager's home lists the partners below their
# tier), so that the bell keeps counting what the manager has to decide.
KIND_MANAGER_WARNING = "scorecards.partner_below_tier"
WARNING_KINDS = (KIND_WARNING, KIND_MANAGER_WARNING)
Decision = TierProposal.Decision


class ReviewError(DomainError):
    """The tier review refused this step."""

    code = "tier_review_error"
    status_code = 409


class ReasonRequired(DomainError):
    """An override needs a reason."""

    code = "reason_required"
    status_code = 400


def require_ops(actor: User | None) -> None:
    require_program_ops(
        actor,
        _("Only program ops may run tier reviews and decide on them."),
        system_allowed=True,
    )


@transaction.atomic
def decide_proposal(
    *,
    proposal: TierProposal,
    actor: User,
    approve: bool,
    reason: str = "",
    tier: Tier | None = None,
) -> TierProposal:
    """Approve the proposal, or override it with a reason: the partner goes to ``tier``
    instead (``None``: keeps its current tier). An applied proposal cannot change."""
    require_ops(actor)
    proposal = TierProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.is_applied:
        raise ReviewError(_("This proposal is applied already; it cannot change."))
    if proposal.review.status != TierReview.Status.DONE:
        raise ReviewError(_("Decide once the review has finished."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ReasonRequired(_("Give a reason for the override."), details={"field": "reason"})
    previous = proposal.decision
    proposal.decision = Decision.APPROVED if approve else Decision.OVERRIDDEN
    proposal.override_tier = None if approve else tier
    proposal.decision_reason = reason
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.save(
        update_fields=["decision", "override_tier", "decision_reason", "decided_by", "decided_at"]
    )
    record_event(
        proposal,
        actor=actor,
        verb=f"tier_proposal.{proposal.decision}",
        from_state=previous,
        to_state=proposal.decision,
        reason=reason,
        data={"override_tier": tier.name if tier and not approve else ""},
    )
    return proposal


@atomic_bulk()
def decide_proposals(
    *,
    proposals: Iterable[TierProposal],
    actor: User,
    approve: bool,
    reason: str = "",
    tier: Tier | None = None,
) -> int:
    """The same decision for many proposals at once (all of them, or none), as ``decide_proposal``
    decides one: one update and one insert of audit rows, whatever their number (a review holds
    a proposal per active partner). Applied proposals in the selection are left as they are."""
    require_ops(actor)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ReasonRequired(_("Give a reason for the override."), details={"field": "reason"})
    rows = list(
        TierProposal.objects.select_for_update(of=("self",))
        .select_related("review")
        .filter(pk__in=id_set(sorted({p.pk for p in proposals})), applied_at__isnull=True)
        .order_by("pk")
    )
    if any(p.review.status != TierReview.Status.DONE for p in rows):
        raise ReviewError(_("Decide once the review has finished."))
    decision = Decision.APPROVED if approve else Decision.OVERRIDDEN
    override = None if approve else tier
    TierProposal.objects.filter(pk__in=id_set([p.pk for p in rows])).update(
        decision=decision,
        override_tier=override,
        decision_reason=reason,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    data = {"override_tier": override.name if override else ""}
    record_events(
        [
            build_event(
                p,
                actor=actor,
                verb=f"tier_proposal.{decision}",
                from_state=p.decision,
                to_state=decision,
                reason=reason,
                data=data,
            )
            for p in rows
        ]
    )
    return len(rows)


@transaction.atomic
def apply_proposals(
    *,
    proposals: Iterable[TierProposal],
    actor: User,
    effective_on: dt.date | None = None,
) -> int:
    """Apply decided proposals from ``effective_on`` (default: the review's effective date):
    tier history, the audit trail and the partner's notification follow. Pending or applied
    proposals are refused, and nothing is applied then. (Ops' bulk apply of a selection is a
    job: ``applying``.)"""
    require_ops(actor)
    locked = list(
        TierProposal.objects.select_for_update(of=("self",))
        .select_related("review", "partner", "current_tier", "proposed_tier", "override_tier")
        .filter(pk__in=id_set([p.pk for p in proposals]))
        .order_by("pk")
    )
    for proposal in locked:
        if proposal.is_applied:
            raise ReviewError(
                _("The proposal for %(partner)s is applied already.")
                % {"partner": proposal.partner}
            )
        if proposal.decision == Decision.PENDING:
            raise ReviewError(
                _("Approve or override the proposal for %(partner)s before applying it.")
                % {"partner": proposal.partner}
            )
    for review_id in sorted({p.review_id for p in locked}):
        group = [p for p in locked if p.review_id == review_id]
        refuse_before_review(group[0].review, effective_on)
        day = effective_on or group[0].review.effective_on
        refused = apply_many(group, actor=actor, effective_on=day)
        if refused:
            raise ReviewError(next(iter(refused.values())))
    return len(locked)


def refuse_before_review(review: TierReview, effective_on: dt.date | None) -> None:
    """A review's tiers start once its quarter has closed: never before its effective date (a
    tier dated back would reprice the commissions of deals closed before the review)."""
    if effective_on is not None and effective_on < review.effective_on:
        raise ReviewError(
            _("The tiers of the %(quarter)s review start on %(day)s or later, after the quarter "
              "it measured.")
            % {"quarter": review.quarter, "day": review.effective_on},
            details={"effective_on": _("On or after %(day)s.") % {"day": review.effective_on}},
        )  # fmt: skip


def apply_many(
    proposals: list[TierProposal], *, actor: User | None, effective_on: dt.date
) -> dict[int, str]:
    """Apply decided proposals (locked by the caller, with their review, partner and tiers)
    together, as one by one: the partners change tier from ``effective_on`` with their history,
    audit rows and webhooks (``partners.services.move_partner_tiers``), each partner's admins and
    channel account manager are told, and each proposal is marked applied with its audit row.
    Callers check that ``actor`` is program ops (``None``: the review's own automatic
    promotions). Returns why each refused proposal was not applied: its partner changed tier
    since the review."""
    refused: dict[int, str] = {}
    ready = []
    for proposal in proposals:
        if proposal.partner.tier_id != proposal.current_tier_id:
            refused[proposal.pk] = _(
                "%(partner)s changed tier since the review; review it again."
            ) % {"partner": proposal.partner}
        else:
            ready.append(proposal)
    if not ready:
        return refused
    tiers = Tier.objects.in_bulk({p.target_tier_id for p in ready if p.target_tier_id})
    moving = [p for p in ready if p.target_tier_id != p.partner.tier_id]
    moved = {}
    for quarter in sorted({p.review.quarter for p in moving}):
        moved.update(
            move_partner_tiers(
                [
                    TierMove(p.partner_id, tiers.get(p.target_tier_id), _reason(p))
                    for p in moving
                    if p.review.quarter == quarter
                ],
                actor=actor,
                effective_from=effective_on,
                rule=f"tier review {quarter}",
            )
        )
    # A warning about the tier the partner leaves asks nothing more of anyone.
    resolve_keyed(WARNING_KINDS, [warning_key(p.review_id, p.partner_id) for p in moving])
    admins = admins_of_partners([p.partner_id for p in moving])
    managers = User.objects.in_bulk(
        {moved[p.partner_id].channel_manager_id for p in moving} - {None}
    )
    for proposal in moving:
        partner = moved[proposal.partner_id]
        _tell_tier_changed(
            proposal,
            partner,
            tiers.get(proposal.target_tier_id),
            effective_on,
            admins=admins.get(proposal.partner_id, []),
            manager=managers.get(partner.channel_manager_id),
        )
    now = timezone.now()
    TierProposal.objects.filter(pk__in=id_set([p.pk for p in ready])).update(
        applied_at=now, applied_by=actor, effective_on=effective_on
    )
    events = []
    for proposal in ready:
        proposal.applied_at, proposal.applied_by, proposal.effective_on = now, actor, effective_on
        target = tiers.get(proposal.target_tier_id) if proposal.target_tier_id else None
        events.append(
            build_event(
                proposal,
                actor=actor,
                verb="tier_proposal.applied",
                from_state=proposal.current_tier.name if proposal.current_tier else "",
                to_state=target.name if target else "",
                reason=_reason(proposal),
                data={"effective_on": effective_on.isoformat()},
            )
        )
    record_events(events)
    return refused


def warning_key(review_id: int, partner_id: int) -> str:
    """The dedupe key of the warning a review sends a partner at its first miss."""
    return f"tier-warning:{review_id}:{partner_id}"


def _reason(proposal: TierProposal) -> str:
    return proposal.decision_reason or " ".join(proposal.reasons)


def _tell_tier_changed(
    proposal: TierProposal,
    partner: Partner,
    target: Tier | None,
    effective_on: dt.date,
    *,
    admins: list[User],
    manager: User | None,
) -> None:
    context = {
        "partner": partner,
        "tier": target,
        "previous": proposal.current_tier,
        "effective_on": effective_on,
        "promoted": (target.rank if target else -1)
        > (proposal.current_tier.rank if proposal.current_tier else -1),
    }
    tell_partner_and_manager(
        partner,
        admins=admins,
        manager=manager,
        partner_url=reverse("partners:tier_list"),
        kind=KIND_CHANGED,
        template="scorecards/email/tier_changed",
        context=context,
        dedupe_key=f"tier-changed:{proposal.pk}",
    )


def tell_partner_and_manager(
    partner: Partner,
    *,
    admins: list[User],
    manager: User | None,
    partner_url: str,
    kind: str,
    template: str,
    context: dict,
    dedupe_key: str,
    manager_kind: str | None = None,
) -> None:
    """One notice to a partner's admins, linked to their own page (``partner_url``), and to
    its channel account manager, linked to the partner (of ``manager_kind`` when given); the
    template words it for each (``recipient.is_internal``)."""
    for recipients, url, of_kind in (
        (admins, partner_url, kind),
        ([manager], partner.get_absolute_url(), manager_kind or kind),
    ):
        notify(
            recipients,
            kind=of_kind,
            template=template,
            context=context,
            url=url,
            dedupe_key=dedupe_key,
        )


def approve_and_apply_automatically(proposals: list[TierProposal], review: TierReview) -> None:
    """The review's promotions, approved and applied together when the program says so (the
    proposals come with their review, partner and tiers)."""
    if not proposals:
        return
    now = timezone.now()
    reason = _("Promotion applied automatically (program setting).")
    TierProposal.objects.filter(pk__in=id_set([p.pk for p in proposals])).update(
        decision=Decision.APPROVED, decided_at=now, decision_reason=reason
    )
    for proposal in proposals:
        proposal.decision, proposal.decided_at, proposal.decision_reason = (
            Decision.APPROVED, now, reason,
        )  # fmt: skip
    record_events(
        [
            build_event(
                proposal,
                actor=None,
                verb="tier_proposal.approved",
                from_state=Decision.PENDING,
                to_state=Decision.APPROVED,
                rule="auto_apply_promotions",
            )
            for proposal in proposals
        ]
    )
    apply_many(proposals, actor=None, effective_on=review.effective_on)
