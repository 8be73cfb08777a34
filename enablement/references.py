"""Reference implementations: a partner admin submits a delivered customer project as tier
evidence, the partner's channel account manager approves or rejects it."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner
from partners.selectors import partner_access
from prm.audit import record_event
from prm.exceptions import PermissionDenied
from prm.locks import lock
from prm.models import User
from prm.notifications import notify, resolve

from .exceptions import InvalidCompletion
from .models import ReferenceImplementation
from .selectors import may_decide_reference

KIND_REFERENCE_SUBMITTED = "enablement.reference_submitted"
KIND_REFERENCE_DECIDED = "enablement.reference_decided"


@transaction.atomic
def submit_reference_implementation(
    *,
    actor: User,
    partner: Partner,
    customer_name: str,
    scope: str,
    completed_on: dt.date,
    evidence: str = "",
    evidence_url: str = "",
) -> ReferenceImplementation:
    """A partner admin submits a delivered customer project for the CAM to approve."""
    if partner.pk not in partner_access(actor).admin_of:
        raise PermissionDenied(_("Only the partner's admins submit reference implementations."))
    if completed_on > timezone.localdate():
        raise InvalidCompletion(_("The completion date is in the future."))
    if not (evidence.strip() or evidence_url.strip()):
        raise InvalidCompletion(_("Describe the evidence or link to it."))
    reference = ReferenceImplementation.objects.create(
        partner=partner,
        customer_name=customer_name.strip(),
        scope=scope.strip(),
        completed_on=completed_on,
        evidence=evidence.strip(),
        evidence_url=evidence_url.strip(),
        submitted_by=actor,
    )
    record_event(
        reference,
        actor=actor,
        verb="reference.submitted",
        to_state=ReferenceImplementation.Status.SUBMITTED,
    )
    notify(
        [partner.channel_manager],
        kind=KIND_REFERENCE_SUBMITTED,
        template="enablement/email/reference_submitted",
        context={"reference": reference},
        url=reverse("enablement:reference_detail", args=[reference.pk]),
    )
    return reference


@transaction.atomic
def decide_reference_implementation(
    *, actor: User, reference: ReferenceImplementation, approve: bool, reason: str = ""
) -> ReferenceImplementation:
    """The partner's CAM approves or rejects; a rejection must say why."""
    reference = lock(ReferenceImplementation, reference.pk)
    if not may_decide_reference(actor, reference):
        raise PermissionDenied(_("Only the partner's channel account manager decides."))
    reason = reason.strip()
    if not approve and not reason:
        raise InvalidCompletion(
            _("Say why the reference is rejected."), details={"reason": "required"}
        )
    target = (
        ReferenceImplementation.Status.APPROVED
        if approve
        else ReferenceImplementation.Status.REJECTED
    )
    previous = reference.move_to(target)
    resolve(
        reverse("enablement:reference_detail", args=[reference.pk]), (KIND_REFERENCE_SUBMITTED,)
    )
    reference.decided_by = actor
    reference.decided_at = timezone.now()
    reference.reason = reason
    reference.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    record_event(
        reference,
        actor=actor,
        verb="reference.decided",
        from_state=previous,
        to_state=target,
        reason=reason,
    )
    admins = [
        m.user for m in reference.partner.memberships.select_related("user").filter(role="admin")
    ]
    notify(
        [reference.submitted_by, *admins],
        kind=KIND_REFERENCE_DECIDED,
        template="enablement/email/reference_decided",
        context={"reference": reference},
        url=reverse("enablement:reference_detail", args=[reference.pk]),
    )
    return reference
