"""Protection after approval: extension requests and decisions, expiry reminders and the
nightly expiry."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.locks import lock
from prm.models import EmailDelivery, User
from prm.notifications import delivery_callback, notify, resolve, undelivered
from prm.webhooks import publish

from ..exceptions import (
    ExtensionNotAllowed,
)
from ..models import DealProgramSettings, DealRegistration, ExtensionRequest
from ..selectors import (
    extension_refusal,
    partner_side_recipients,
    reviewers_for,
)
from ._common import (
    KIND_EXPIRY_REMINDER,
    KIND_EXTENSION_REQUESTED,
    extension_url,
    jsonable,
    lock_registration,
    moment,
    notify_partner,
    require_decider,
    require_partner_side,
    required_reason,
    state_left,
)

Status = DealRegistration.Status


# --- Protection: extensions, reminders, expiry -----------------------------------------------


@transaction.atomic
def request_extension(
    *, registration: DealRegistration, actor: User, reason: str
) -> ExtensionRequest:
    """Ask for a longer protection window, under the program's policy: none; once (one granted
    extension per registration; a refused request does not use it up); or unlimited, one
    pending request at a time."""
    registration = lock_registration(registration)
    require_partner_side(actor, registration)
    reason = required_reason(reason)
    refusal = extension_refusal(registration)
    if refusal:
        raise ExtensionNotAllowed(refusal)
    program = DealProgramSettings.current()
    try:
        with transaction.atomic():
            extension = ExtensionRequest.objects.create(
                registration=registration, requested_by=actor, reason=reason
            )
    except IntegrityError as exc:  # a second request raced past the check above
        raise ExtensionNotAllowed(
            _("An extension request is already waiting for a decision.")
        ) from exc
    record_event(
        registration,
        actor=actor,
        verb="deal.extension_requested",
        reason=reason,
        rule=program.get_extension_policy_display(),
        data={"extension": extension.pk},
    )
    # Asking for more time is one of the two things the expiry reminder asks for.
    resolve(registration.get_absolute_url(), (KIND_EXPIRY_REMINDER,))
    notify(
        reviewers_for(registration.partner),
        kind=KIND_EXTENSION_REQUESTED,
        template="deals/email/extension_requested",
        context={"registration": registration, "extension": extension},
        url=extension_url(extension.pk),
    )
    return extension


@transaction.atomic
def decide_extension(
    *, extension: ExtensionRequest, actor: User, approve: bool, reason: str = ""
) -> ExtensionRequest:
    """Grant ``extension_days`` more protection (counted from the later of now and the current
    end) or refuse, with a reason."""
    # Parent before child, as everywhere: the registration, then its extension request.
    registration = lock(DealRegistration, extension.registration_id)
    extension = lock(ExtensionRequest, extension.pk)
    require_decider(actor, registration)
    if extension.status != ExtensionRequest.Status.PENDING:
        raise ExtensionNotAllowed(_("This extension request has already been decided."))
    if registration.status != Status.APPROVED:
        raise ExtensionNotAllowed(_("Only approved registrations can be extended."))
    reason = (reason or "").strip()
    if not approve:
        reason = required_reason(reason)
    now = timezone.now()
    program = DealProgramSettings.current()
    previous_end = registration.protected_until
    if approve:
        base = max(previous_end or now, now)
        registration.protected_until = base + dt.timedelta(days=program.extension_days)
        registration.extension_count += 1
        registration.expiry_reminded_at = None
        registration.save(
            update_fields=["protected_until", "extension_count", "expiry_reminded_at", "updated_at"]
        )
        extension.new_protected_until = registration.protected_until
    extension.status = (
        ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REJECTED
    )
    extension.decided_by = actor
    extension.decided_at = now
    extension.decision_reason = reason
    resolve(extension_url(extension.pk), (KIND_EXTENSION_REQUESTED,))
    extension.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "new_protected_until",
        ]
    )
    record_event(
        extension,
        actor=actor,
        verb=f"extension.{extension.status}",
        from_state=ExtensionRequest.Status.PENDING,
        to_state=extension.status,
        reason=reason,
    )
    record_event(
        registration,
        actor=actor,
        verb="deal.extension_approved" if approve else "deal.extension_rejected",
        reason=reason,
        rule=_("%(n)d days per extension") % {"n": program.extension_days},
        data={
            "extension": extension.pk,
            "from": jsonable(previous_end),
            "to": jsonable(registration.protected_until),
        },
    )
    notify_partner(
        registration,
        kind="deal_extension_decided",
        template="extension_decided",
        reason=reason,
        extension=extension,
    )
    return extension


def expire_registrations(*, now: dt.datetime | None = None) -> int:
    """Expire approved registrations whose protection ended. A registration with an extension
    request still waiting for the manager is left alone: the partner asked in time. Safe to run
    twice: each row is re-checked under its lock."""
    now = now or timezone.now()
    candidates = (
        DealRegistration.objects.filter(status=Status.APPROVED, protected_until__lte=now)
        .exclude(extension_requests__status=ExtensionRequest.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(_expire_one(pk, now) for pk in list(candidates))


@transaction.atomic
def _expire_one(pk: int, now: dt.datetime) -> int:
    registration = lock(DealRegistration, pk)
    if (
        not (
            registration.status == Status.APPROVED
            and registration.protected_until is not None
            and registration.protected_until <= now
        )
        or registration.extension_requests.filter(status=ExtensionRequest.Status.PENDING).exists()
    ):
        return 0
    previous = registration.move_to(Status.EXPIRED)
    registration.save(update_fields=["status", "updated_at"])
    state_left(registration, previous)
    record_event(
        registration,
        actor=None,
        verb="deal.expired",
        from_state=previous,
        to_state=Status.EXPIRED,
        rule=_("Protection ended on %(date)s") % {"date": moment(registration.protected_until)},
    )
    notify_partner(registration, kind="deal_expired", template="expired")
    publish("deal.expired", registration, partner=registration.partner_id)
    return 1


def send_expiry_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind the partner ``expiry_reminder_days`` before protection ends, once per window
    (an approved extension opens a new window and so a new reminder).

    The reminder counts as sent only once its emails are delivered: until then each run raises
    it again, which re-tries failed emails without repeating what was delivered. Returns how
    many reminders this run raised or completed."""
    now = now or timezone.now()
    program = DealProgramSettings.current()
    if not program.expiry_reminder_days:
        return 0
    horizon = now + dt.timedelta(days=program.expiry_reminder_days)
    pks = list(
        DealRegistration.objects.filter(
            status=Status.APPROVED,
            expiry_reminded_at__isnull=True,
            protected_until__gt=now,
            protected_until__lte=horizon,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(_remind_expiry(pk, now) for pk in pks)


@transaction.atomic
def _remind_expiry(pk: int, now: dt.datetime) -> int:
    # The lock makes two runs take turns; the second finds this window's rows already written.
    registration = lock(DealRegistration, pk)
    if (
        registration.status != Status.APPROVED
        or registration.expiry_reminded_at is not None
        or registration.protected_until is None
    ):
        return 0
    window = registration.protected_until.isoformat()
    queued = notify(
        partner_side_recipients(registration),
        kind=KIND_EXPIRY_REMINDER,
        template="deals/email/expiry_reminder",
        context={"registration": registration},
        url=registration.get_absolute_url(),
        dedupe_key=f"{KIND_EXPIRY_REMINDER}:{pk}:{window}",
        on_sent=expiry_reminder_delivered,
        on_sent_args={"registration_id": pk, "window": window},
    )
    if not queued.pending:  # nothing to email (or all of it already out): done now
        _mark_expiry_reminded(registration, now)
        return 1
    return 1 if queued.raised else 0


@delivery_callback
def expiry_reminder_delivered(*, delivery: EmailDelivery, registration_id: int, window: str):
    """Mark the reminder sent once the last of its emails is delivered, if still current."""
    registration = lock(DealRegistration, registration_id)
    if (
        registration.expiry_reminded_at is None
        and registration.protected_until is not None
        and registration.protected_until.isoformat() == window
        and not undelivered(delivery.dedupe_key)
    ):
        _mark_expiry_reminded(registration, timezone.now())


def _mark_expiry_reminded(registration: DealRegistration, now: dt.datetime) -> None:
    registration.expiry_reminded_at = now
    registration.save(update_fields=["expiry_reminded_at"])
    record_event(registration, actor=None, verb="deal.expiry_reminder_sent")
