"""The approval SLA job: reminders before a submission is due, escalation once it is overdue."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.locks import lock
from prm.models import EmailDelivery
from prm.notifications import delivery_callback, notify, undelivered

from ..models import DealProgramSettings, DealRegistration
from ..selectors import (
    reviewers_for,
    sla_escalation_recipients,
)
from ._common import (
    moment,
)

Status = DealRegistration.Status


# --- Approval SLA ----------------------------------------------------------------------------


def process_sla(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Remind reviewers ``sla_reminder_hours`` before a submission is due, and escalate to the
    partner's team lead (or to program ops when there is none) once it is overdue. Each happens
    at most once per submission: resubmitting resets both."""
    now = now or timezone.now()
    program = DealProgramSettings.current()
    waiting = DealRegistration.objects.filter(
        status=Status.SUBMITTED, sla_due_at__isnull=False, sla_escalated_at__isnull=True
    ).order_by("pk")
    due_soon = waiting.filter(
        sla_reminded_at__isnull=True,
        sla_due_at__gt=now,
        sla_due_at__lte=now + dt.timedelta(hours=program.sla_reminder_hours),
    ).values_list("pk", flat=True)
    overdue = waiting.filter(sla_due_at__lte=now).values_list("pk", flat=True)
    return {
        "reminded": sum(_remind_reviewer(pk, now) for pk in list(due_soon)),
        "escalated": sum(_escalate(pk, now) for pk in list(overdue)),
    }


@transaction.atomic
def _remind_reviewer(pk: int, now: dt.datetime) -> int:
    # As for expiry reminders: sent only once delivered; raised again by each run until then,
    # which re-tries failed emails and never repeats a delivered one. The lock serialises runs.
    registration = lock(DealRegistration, pk)
    if (
        registration.status != Status.SUBMITTED
        or registration.sla_reminded_at is not None
        or registration.sla_due_at is None
    ):
        return 0
    due = registration.sla_due_at.isoformat()
    queued = notify(
        reviewers_for(registration.partner),
        kind="deal_sla_reminder",
        template="deals/email/sla_reminder",
        context={"registration": registration},
        url=reverse("deals:deal_review", args=[pk]),
        dedupe_key=f"deal_sla_reminder:{pk}:{due}",
        on_sent=sla_reminder_delivered,
        on_sent_args={"registration_id": pk, "due": due},
    )
    if not queued.pending:
        _mark_sla_reminded(registration, now)
        return 1
    return 1 if queued.raised else 0


@delivery_callback
def sla_reminder_delivered(*, delivery: EmailDelivery, registration_id: int, due: str) -> None:
    """Mark the reviewer reminder sent once the last of its emails is delivered."""
    registration = lock(DealRegistration, registration_id)
    if (
        registration.status == Status.SUBMITTED
        and registration.sla_reminded_at is None
        and registration.sla_due_at is not None
        and registration.sla_due_at.isoformat() == due
        and not undelivered(delivery.dedupe_key)
    ):
        _mark_sla_reminded(registration, timezone.now())


def _mark_sla_reminded(registration: DealRegistration, now: dt.datetime) -> None:
    registration.sla_reminded_at = now
    registration.save(update_fields=["sla_reminded_at"])
    record_event(registration, actor=None, verb="deal.sla_reminder_sent")


@transaction.atomic
def _escalate(pk: int, now: dt.datetime) -> int:
    claimed = DealRegistration.objects.filter(
        pk=pk, status=Status.SUBMITTED, sla_escalated_at__isnull=True, sla_due_at__lte=now
    ).update(sla_escalated_at=now)
    if not claimed:
        return 0
    registration = DealRegistration.objects.select_related(
        "partner__team__lead", "partner__channel_manager"
    ).get(pk=pk)
    recipients = sla_escalation_recipients(registration.partner)
    record_event(
        registration,
        actor=None,
        verb="deal.sla_escalated",
        rule=_("Decision was due %(due)s") % {"due": moment(registration.sla_due_at)},
        data={"escalated_to": [user.email for user in recipients]},
    )
    notify(
        recipients,
        kind="deal_sla_escalation",
        template="deals/email/sla_escalation",
        context={"registration": registration},
        url=reverse("deals:deal_review", args=[pk]),
    )
    return 1
