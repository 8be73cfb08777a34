"""Many new registrations at once, for imports: the rules of ``create_registration`` (and of
``submit_registration`` with ``submit``) applied to a batch in a handful of queries.

Each item is checked on its own, in order, exactly as ``create_registration`` checks it: its CRM
reference must not be in use (by an earlier registration, or by an earlier item of the batch),
then its fields are validated by ``new_registration``. The items that pass are inserted at
once, already submitted when ``submit`` (``mark_submitted``), with the same audit rows as one
by one; their candidate conflicts come from one batched check (``conflicts.batch``) that sees
what the one-by-one submissions would have seen. No reviewer notification is sent per
registration: the caller sends one summary.

Run it inside a transaction (and a savepoint of its own, if a database error must not spoil
the caller's): a database error leaves nothing of the batch behind.
"""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from partners.models import Partner
from prm.audit import record_events
from prm.exceptions import DomainError
from prm.models import AuditEvent, User
from prm.webhooks import publish_many

from ..conflicts import record_new_conflicts
from ..conflicts.services import conflicts_detected_event
from ..models import DealProgramSettings, DealRegistration
from ._common import require_active
from .fields import duplicate_ref, registrations_by_ref
from .registration import (
    created_event,
    mark_submitted,
    new_registration,
    registering_distributor,
    submitted_event,
)


def create_registrations(
    *, actor: User, partner: Partner, items: Sequence[dict], submit: bool = True
) -> list[DealRegistration | DomainError]:
    """Register one deal per item of ``items`` (the keyword arguments of
    ``create_registration``'s fields) for ``partner``. Returns, item by item, the new
    registration or the ``DomainError`` that refused it (``DuplicateRegistration``,
    ``InvalidDealData``). Raises for the whole batch when ``actor`` may not register for
    ``partner`` or the partner is not active."""
    distributor = registering_distributor(actor, partner)
    require_active(partner)
    results: dict[int, DealRegistration | DomainError] = {}
    in_use = registrations_by_ref(partner, (_ref(fields) for fields in items))
    first_with_ref: dict[str, DealRegistration] = {}
    repeats: list[tuple[int, str]] = []
    drafts: list[tuple[int, DealRegistration]] = []
    for index, fields in enumerate(items):
        ref = _ref(fields)
        if ref in in_use:
            results[index] = duplicate_ref(in_use[ref], ref)
            continue
        if ref in first_with_ref:
            repeats.append((index, ref))
            continue
        try:
            registration = new_registration(
                actor=actor, partner=partner, distributor=distributor, fields=fields
            )
        except DomainError as exc:
            results[index] = exc
            continue
        if ref:
            first_with_ref[ref] = registration
        drafts.append((index, registration))
    stored = _store(actor, [registration for _, registration in drafts], submit=submit)
    for (index, _draft), registration in zip(drafts, stored, strict=True):
        results[index] = registration
    for index, ref in repeats:  # the first one is stored now, with its id
        results[index] = duplicate_ref(first_with_ref[ref].pk, ref)
    return [results[index] for index in range(len(items))]


def _ref(fields: dict) -> str:
    # As ``refuse_duplicate_ref`` sees it once cleaned (a longer one fails validation).
    return str(fields.get("external_ref") or "").strip()


@transaction.atomic
def _store(actor: User, drafts: list[DealRegistration], *, submit: bool) -> list[DealRegistration]:
    if not drafts:
        return []
    now = timezone.now()
    program = DealProgramSettings.current()
    previous = [mark_submitted(r, program=program, now=now) if submit else "" for r in drafts]
    DealRegistration.objects.bulk_create(drafts, batch_size=500)
    events: list[list[AuditEvent]] = [[created_event(r, actor=actor)] for r in drafts]
    if submit:
        conflicts = record_new_conflicts(drafts)
        for registration, found, before, trail in zip(
            drafts, conflicts, previous, events, strict=True
        ):
            if found:
                trail.append(conflicts_detected_event(registration, found))
            trail.append(
                submitted_event(registration, actor=actor, previous=before, program=program)
            )
    record_events([event for trail in events for event in trail])
    if submit:
        publish_many("deal.submitted", drafts, partner_of=lambda r: r.partner_id)
        found = [conflict for row in conflicts for conflict in row]
        publish_many("conflict.detected", found, partner_of=lambda _conflict: None)
    return drafts
