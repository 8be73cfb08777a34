"""Writes for conflicts: recording them when a registration is submitted, and the reviewer's
resolution.
"""

from collections import defaultdict
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.timezone import now
from django.utils.translation import gettext as _

from prm.audit import build_event, record_event
from prm.exceptions import Conflict, DomainError, PermissionDenied
from prm.notifications import notify
from prm.webhooks import publish_many

from ..models import DealConflict, DealRegistration
from .detection import RECORD_MIN_SCORE, ConflictCandidate, find_conflict_candidates
from .selectors import (
    RESOLUTIONS_FOR,
    can_resolve_conflict,
    first_registered,
    later_registered,
    other_side_managers,
)


class ConflictResolutionError(DomainError):
    """This conflict cannot be resolved that way."""

    code = "invalid_conflict_resolution"
    status_code = 400


class ConflictAlreadyResolved(Conflict):
    """This conflict has already been resolved."""

    code = "conflict_already_resolved"


FIRST_REGISTERED_RULE = "first registered, first protected"
REVIEWER_OVERRIDE_RULE = "reviewer override of first registered, first protected"
VENDOR_OPPORTUNITY_RULE = "vendor opportunity on the account"
PARTNER_OVER_VENDOR_RULE = "partner registration protected over vendor opportunity"


def record_conflicts(*, registration: DealRegistration) -> list[DealConflict]:
    """Record the candidate conflicts of a registration being submitted; safe to call again on
    resubmission (the pair constraints keep one row per counterpart; open rows get the fresh
    score and evidence, resolved ones are left as decided). Runs in the caller's transaction."""
    candidates = [
        c
        for c in find_conflict_candidates(
            customer_name=registration.customer_name,
            customer_domain=registration.customer_domain,
            contact_email=registration.contact_email,
            country=registration.country,
            exclude_registration_id=registration.pk,
        )
        if c.score >= RECORD_MIN_SCORE
    ]
    # A pair already recorded the other way round (the earlier registration was resubmitted
    # after this one) is the same conflict; do not record it twice.
    reverse = set(
        DealConflict.objects.filter(existing_registration=registration).values_list(
            "registration_id", flat=True
        )
    )
    existing = {
        (row.existing_registration_id, row.existing_opportunity_id): row
        for row in DealConflict.objects.filter(registration=registration)
    }
    recorded, created, added = [], [], 0
    for candidate in candidates:
        if candidate.registration is not None and candidate.registration.pk in reverse:
            continue
        evidence = conflict_evidence(registration, candidate)
        key = (
            candidate.registration.pk if candidate.registration else None,
            candidate.opportunity.pk if candidate.opportunity else None,
        )
        row = existing.get(key)
        if row is None:
            row, inserted = _create_conflict(registration, candidate, evidence)
            created.append(row)
            added += inserted
        elif row.resolution == DealConflict.Resolution.OPEN and (
            row.score != candidate.score or row.evidence != evidence
        ):
            row.score, row.evidence = candidate.score, evidence
            row.save(update_fields=["score", "evidence"])
        recorded.append(row)
    count_new_conflicts({registration: added})
    if created:
        conflicts_detected_event(registration, created).save()
        publish_many("conflict.detected", created, partner_of=lambda _conflict: None)
        for conflict in created:
            _tell_other_side(conflict, kind="deal_conflict_raised")
    return recorded


def _tell_other_side(conflict: DealConflict, *, kind: str, actor=None) -> None:
    """Tell the earlier registration's channel account manager, when another partner's manager
    decides the conflict: their partner holds (or may lose) the protection."""
    recipients = [user for user in other_side_managers(conflict) if user != actor]
    existing = conflict.existing_registration
    if recipients and existing is not None:
        notify(
            recipients,
            kind=kind,
            template=f"deals/email/{kind.removeprefix('deal_')}",
            context={"conflict": conflict},
            url=existing.get_absolute_url(),
        )


def conflict_evidence(registration: DealRegistration, candidate: ConflictCandidate) -> list:
    """The candidate's evidence as recorded on the conflict: a counterpart of the same partner
    says so."""
    other = candidate.registration
    if other is not None and other.partner_id == registration.partner_id:
        return [*candidate.evidence, {"rule": "same_partner", "value": "", "similarity": 1.0}]
    return candidate.evidence


def conflicts_detected_event(registration: DealRegistration, created: list[DealConflict]):
    """The unsaved audit row naming the conflicts just recorded for ``registration``."""
    return build_event(
        registration,
        actor=None,
        verb="deal.conflicts_detected",
        data={"conflicts": [row.pk for row in created]},
    )


def _create_conflict(
    registration, candidate: ConflictCandidate, evidence
) -> tuple[DealConflict, bool]:
    """The conflict row and whether this call inserted it."""
    try:
        # A savepoint, so a concurrent submission that recorded the same pair first does not
        # break the caller's transaction.
        with transaction.atomic():
            row = DealConflict.objects.create(
                registration=registration,
                existing_registration=candidate.registration,
                existing_opportunity=candidate.opportunity,
                score=candidate.score,
                evidence=evidence,
            )
            return row, True
    except IntegrityError:
        row = DealConflict.objects.get(
            registration=registration,
            existing_registration=candidate.registration,
            existing_opportunity=candidate.opportunity,
        )
        return row, False


def count_new_conflicts(added: Mapping[DealRegistration, int]) -> None:
    """Add conflicts just recorded (open) to their registrations' ``open_conflict_count``:
    one UPDATE per distinct number, as an increment, so concurrent writers add up."""
    by_number: dict[int, list[int]] = defaultdict(list)
    for registration, number in added.items():
        if number:
            by_number[number].append(registration.pk)
            registration.open_conflict_count += number
    for number, ids in by_number.items():
        DealRegistration.objects.filter(pk__in=ids).update(
            open_conflict_count=F("open_conflict_count") + number
        )


@transaction.atomic
def resolve_conflict(
    *, conflict: DealConflict, actor, resolution: str, reason: str
) -> DealConflict:
    """Record the reviewer's decision. The audit row names the rule the decision follows:
    first registered, first protected, or an explicit override of it."""
    conflict = (
        DealConflict.objects.select_for_update(of=("self",))
        .select_related(
            "registration__partner",
            "existing_registration__partner__channel_manager",
            "existing_opportunity",
        )
        .get(pk=conflict.pk)
    )
    if not can_resolve_conflict(actor, conflict):
        raise PermissionDenied(
            _("Only the partner's channel account manager or program ops can resolve conflicts.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ConflictResolutionError(
            _("Give a reason for the decision."),
            code="reason_required",
            details={"reason": [_("This field is required.")]},
        )
    if conflict.resolution != DealConflict.Resolution.OPEN:
        raise ConflictAlreadyResolved(_("This conflict has already been resolved."))
    kind = "registration" if conflict.existing_registration_id else "opportunity"
    if resolution not in RESOLUTIONS_FOR[kind]:
        raise ConflictResolutionError(
            _("This resolution does not apply to this conflict."),
            details={
                "resolution": [
                    _("Choose one of: %(choices)s.")
                    % {"choices": ", ".join(sorted(RESOLUTIONS_FOR[kind]))}
                ]
            },
        )
    conflict.resolution = resolution
    conflict.resolution_reason = reason
    conflict.resolved_by = actor
    conflict.resolved_at = now()
    conflict.save(update_fields=["resolution", "resolution_reason", "resolved_by", "resolved_at"])
    # The row lock above lets one resolution through; a decrement, so that resolutions of the
    # registration's other conflicts at the same time add up.
    DealRegistration.objects.filter(pk=conflict.registration_id).update(
        open_conflict_count=F("open_conflict_count") - 1
    )
    conflict.registration.open_conflict_count -= 1
    record_event(
        conflict,
        actor=actor,
        verb="resolved",
        from_state=DealConflict.Resolution.OPEN,
        to_state=resolution,
        reason=reason,
        rule=_rule_for(conflict, resolution),
        data={
            "registration": conflict.registration_id,
            "existing_registration": conflict.existing_registration_id,
            "existing_opportunity": conflict.existing_opportunity_id,
        },
    )
    if resolution == DealConflict.Resolution.FIRST_REGISTERED_WINS:
        _protect_first(conflict, actor=actor, reason=reason)
    _tell_other_side(conflict, kind="deal_conflict_resolved", actor=actor)
    return conflict


def _protect_first(conflict: DealConflict, *, actor, reason: str) -> None:
    """ "First registered is protected" decides the later registration too, in the same
    transaction: it is rejected with the reviewer's reason, and the reason is recorded on the
    protected one. A later registration that can no longer be rejected (approved, or waiting
    for its partner's answer) keeps its status; the page says so."""
    from ..services.decisions import reject_registration  # imports this package

    first, later = first_registered(conflict), later_registered(conflict)
    assert first is not None and later is not None
    record_event(
        first,
        actor=actor,
        verb="deal.conflict_protected",
        reason=reason,
        rule=FIRST_REGISTERED_RULE,
        data={"conflict": conflict.pk, "later_registration": later.pk},
    )
    if later.can_move_to(DealRegistration.Status.REJECTED):
        text = _(
            "Registration #%(first)s for this account was registered first and is protected. "
            "%(reason)s"
        ) % {"first": first.pk, "reason": reason}
        reject_registration(registration=later, actor=actor, reason=text)


def _rule_for(conflict: DealConflict, resolution: str) -> str:
    if resolution == DealConflict.Resolution.NOT_A_CONFLICT:
        return ""
    if conflict.existing_registration_id is None:
        if resolution == DealConflict.Resolution.VENDOR_OPPORTUNITY_WINS:
            return VENDOR_OPPORTUNITY_RULE
        return PARTNER_OVER_VENDOR_RULE
    if resolution == DealConflict.Resolution.FIRST_REGISTERED_WINS:
        return FIRST_REGISTERED_RULE
    # The new registration is protected: that follows the rule only if it was registered first.
    if first_registered(conflict) == conflict.registration:
        return FIRST_REGISTERED_RULE
    return REVIEWER_OVERRIDE_RULE
