"""Upserts by external id, for a CRM that keeps its records and ours in step.

``PUT …/by-external-id/{external_id}/`` creates the record when no record has that id and
updates it when one does, through the same services as the portal (creation, editing,
submission), so every rule and audit row is the same. Sending the same body again changes
nothing and writes nothing: the upsert compares before it calls an editing service, because an
edit of a registration under review is refused even when it would change nothing.
"""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from partners.models import Partner
from prm.exceptions import DomainError
from prm.external_ids import ExternalIdTaken, clean_external_id
from prm.models import User
from prm.money import quantize
from prm.notifications import notify

from ..exceptions import DuplicateRegistration, InvalidDealData
from ..leads.editing import update_lead
from ..leads.selectors import leads_visible_to
from ..leads.services import create_lead
from ..models import DealRegistration, Lead
from ..selectors import deals_visible_to, reviewers_for
from .bulk import create_registrations
from .fields import clean_registration_fields
from .registration import create_registration, submit_registration, update_registration

Status = DealRegistration.Status


def registration_changes(registration: DealRegistration, fields: dict) -> dict:
    """The editable fields ``fields`` would change (cleaned as the editing service stores them)."""
    values = clean_registration_fields(fields)
    if "estimated_amount" in values:
        currency = values.get("currency", registration.currency)
        values["estimated_amount"] = quantize(values["estimated_amount"], currency)
    changes = {}
    for name, value in values.items():
        current = getattr(registration, name)
        if isinstance(current, list | tuple):
            current, value = list(current), list(value)
        if current != value:
            changes[name] = value
    return changes


@transaction.atomic
def upsert_registration(
    *, actor: User, external_id: str, partner: Partner, submit: bool = True, **fields
) -> tuple[DealRegistration, bool]:
    """Returns (registration, created). ``submit`` submits a new registration, or an edited
    draft or answered request, for review (as the portal's "Save and submit")."""
    external_id = clean_external_id(external_id)
    existing = DealRegistration.objects.filter(external_id=external_id).first()
    if existing is None:
        return _create(actor, external_id, partner, submit, fields), True
    if not deals_visible_to(actor).filter(pk=existing.pk).exists():
        # Another partner's record: say only that the id is taken.
        raise ExternalIdTaken()
    if partner.pk != existing.partner_id:
        raise InvalidDealData(
            _("A registration cannot move to another partner."),
            details={"partner": [_("Not this registration's partner.")]},
        )
    registration = existing
    if registration_changes(registration, fields):
        registration = update_registration(registration=registration, actor=actor, **fields)
    if submit and registration.status in (Status.DRAFT, Status.MORE_INFO):
        registration = submit_registration(registration=registration, actor=actor)
    return registration, False


def _create(actor, external_id, partner, submit, fields) -> DealRegistration:
    registration = create_registration(actor=actor, partner=partner, submit=False, **fields)
    try:
        with transaction.atomic():
            DealRegistration.objects.filter(pk=registration.pk).update(external_id=external_id)
    except IntegrityError as exc:  # a concurrent upsert of the same id won
        raise ExternalIdTaken() from exc
    registration.external_id = external_id
    if submit:
        registration = submit_registration(registration=registration, actor=actor)
    return registration


@transaction.atomic
def upsert_lead(*, actor: User, external_id: str, **fields) -> tuple[Lead, bool]:
    """Returns (lead, created). A lead already offered to a partner keeps its details: a
    change is refused (``LeadNotEditable``), the same body again is accepted and changes
    nothing."""
    external_id = clean_external_id(external_id)
    existing = Lead.objects.filter(external_id=external_id).first()
    if existing is not None:
        if not leads_visible_to(actor).filter(pk=existing.pk).exists():
            raise ExternalIdTaken()
        return update_lead(lead=existing, actor=actor, **fields), False
    lead = create_lead(actor=actor, **fields)
    try:
        with transaction.atomic():
            Lead.objects.filter(pk=lead.pk).update(external_id=external_id)
    except IntegrityError as exc:
        raise ExternalIdTaken() from exc
    lead.external_id = external_id
    return lead, True


@transaction.atomic
def bulk_register(
    *, actor: User, partner: Partner, items: list[dict], submit: bool = True
) -> list[DealRegistration | DomainError]:
    """Many registrations at once through the import's service (``create_registrations``), with
    its one summary to the reviewers. Item by item: the new registration or the refusal."""
    outcomes = create_registrations(actor=actor, partner=partner, items=items, submit=submit)
    created = sum(1 for outcome in outcomes if not isinstance(outcome, DomainError))
    if submit and created:
        summary = {
            "partner": partner,
            "filename": _("API batch"),
            "created_count": created,
            "duplicate_count": sum(isinstance(o, DuplicateRegistration) for o in outcomes),
            "failed_count": sum(
                isinstance(o, DomainError) and not isinstance(o, DuplicateRegistration)
                for o in outcomes
            ),
        }
        notify(
            reviewers_for(partner),
            kind="deal_submitted",
            template="deals/email/imported",
            context={"record": summary},
            url=reverse("deals:review_queue"),
        )
    return outcomes
