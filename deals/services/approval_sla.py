"""The approval SLA job: reminders before a submission is due, escalation once it is overdue."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.notifications import notify

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
    claimed = DealRegistration.objects.filter(
        pk=pk, status=Status.SUBMITTED, sla_reminded_at__isnull=True
    ).update(sla_reminded_at=now)
    if not claimed:
        return 0
    registration = DealRegistration.objects.select_related("partner").get(pk=pk)
    record_event(registration, actor=None, verb="deal.sla_reminder_sent")
    notify(
        reviewers_for(registration.partner),
        kind="deal_sla_reminder",
        template="deals/email/sla_reminder",
        context={"registration": registration},
        url=reverse("deals:deal_review", args=[pk]),
    )
    return 1


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
