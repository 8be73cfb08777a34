"""Notifications: an in-portal row and an email per recipient, neither of which is ever lost.

The in-portal ``Notification`` rows and one ``EmailDelivery`` row per email are written inside
the caller's transaction, so they exist exactly when the event that caused them does. Each
delivery is then sent by the ``prm.tasks.send_email_delivery`` task, queued once the
transaction commits, which retries mail server errors with backoff and records the outcome on
the row. A mail server error therefore never loses an in-portal notification, and never lets
an email vanish without a trace.

Each event kind has an email template ``templates/<app>/email/<kind>.txt`` whose first line is
the subject. Essential kinds (decisions about a user's own work, security) cannot be turned off;
the rest follow the user's ``NotificationPreference``.

Reminders that must count as sent only once delivered pass a ``dedupe_key`` (one per reminder
window) and an ``on_sent`` callback: raising the same reminder again never repeats what was
already delivered or is still being retried, and the callback marks the reminder once every
email of that key is out.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.template import Context, Engine
from django.utils import timezone
from django.utils.module_loading import import_string

from .audit import record_event
from .locks import lock
from .models import EmailDelivery, Notification, NotificationPreference, User

logger = logging.getLogger(__name__)

# Kinds a user may turn off, with the label shown on the preferences page. Apps register theirs.
OPTIONAL_KINDS: dict[str, str] = {}
# For each optional kind: the area it is grouped under on the preferences page, and who can
# receive it ("partner": people of partner organisations; "internal": the vendor's staff).
KIND_AREAS: dict[str, str] = {}
KIND_AUDIENCES: dict[str, frozenset[str]] = {}
PARTNER, INTERNAL = "partner", "internal"

Status = EmailDelivery.Status


def register_optional_kind(
    kind: str, label: str, *, area: str = "", audience: Iterable[str] = (PARTNER, INTERNAL)
) -> None:
    OPTIONAL_KINDS[kind] = label
    KIND_AREAS[kind] = area
    KIND_AUDIENCES[kind] = frozenset(audience)


def audience_of(user: User) -> str:
    return INTERNAL if user.is_internal else PARTNER


def optional_kinds_for(user: User) -> dict[str, list[tuple[str, str]]]:
    """{area: [(kind, label), ...]} of the optional kinds the user's role can receive, areas
    and labels in alphabetical order: what the preferences page offers."""
    audience = audience_of(user)
    groups: dict[str, list[tuple[str, str]]] = {}
    for kind, label in OPTIONAL_KINDS.items():
        if audience in KIND_AUDIENCES.get(kind, (PARTNER, INTERNAL)):
            groups.setdefault(str(KIND_AREAS.get(kind, "")), []).append((kind, str(label)))
    return {
        area: sorted(kinds, key=lambda pair: pair[1])
        for area, kinds in sorted(groups.items(), key=lambda item: item[0])
    }


# The kinds that ask the recipient to do something: decide, answer, accept, renew, correct.
# Only these, unread, count on the bell; the others are news the list still shows.
ACTION_KINDS: frozenset[str] = frozenset(
    {
        "deal_submitted",  # a reviewer decides
        "deal_more_info",  # the partner answers
        "deal_extension_requested",
        "deal_expiry_reminder",  # the partner closes or asks for an extension
        "deal_sla_reminder",
        "deal_sla_escalation",
        "lead_offered",  # the partner accepts before the deadline
        "mdf_request_submitted",
        "mdf_claim_submitted",
        "mdf_extension_requested",
        "plan_awaiting_approval",
        "partners.application_submitted",
        "enablement.certification_expiring",  # the person renews
        "enablement.reference_submitted",
        "scorecards.tier_warning",  # the partner closes the gap before the review
    }
)


def needs_action(kind: str) -> bool:
    return kind in ACTION_KINDS


ACRONYMS = frozenset({"api", "crm", "csv", "mdf", "pdf", "sla"})


def kind_label(kind: str) -> str:
    """A readable name for a kind: its preference label when it has one, else its words
    ("mdf_claim_decided": "MDF claim decided")."""
    if kind in OPTIONAL_KINDS:
        return str(OPTIONAL_KINDS[kind])
    words = kind.rsplit(".", 1)[-1].split("_")
    words = [w.upper() if w in ACRONYMS else w for w in words]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def delivery_callback(func: Callable) -> Callable:
    """Mark ``func(delivery=..., **on_sent_args)`` as allowed to run after a delivery is sent.

    Deliveries store the callback by dotted path; only functions marked here are ever called,
    so a row in the database cannot name arbitrary code.
    """
    func._prm_delivery_callback = True  # type: ignore[attr-defined]
    return func


@dataclass
class Queued:
    """What ``notify`` did: ``raised`` counts the rows this call wrote (in-portal rows, new or
    re-queued emails); ``pending`` lists the emails of this event not sent yet, including those
    an earlier call queued that are still being tried."""

    raised: int = 0
    pending: list[EmailDelivery] = field(default_factory=list)


def notify(
    recipients: Iterable[User | None],
    *,
    kind: str,
    template: str,
    context: dict | None = None,
    url: str = "",
    dedupe_key: str = "",
    on_sent: Callable | None = None,
    on_sent_args: dict | None = None,
) -> Queued:
    """Notify each active recipient of ``kind``: the in-portal row now, the email after commit.

    ``template`` names ``templates/<template>.txt``; its first line is the subject/title.
    """
    users = {user.pk: user for user in recipients if user is not None and user.is_active}
    result = Queued()
    if not users:
        return result
    context = {**(context or {}), "site_url": settings.PRM_SITE_URL, "url": url}
    prefs = _preferences(list(users), kind)
    seen = _already_notified(list(users), dedupe_key)
    rows = []
    for user in users.values():
        subject, body = _render(template, {**context, "recipient": user})
        pref = prefs.get(user.pk)
        if (pref is None or pref.in_portal) and user.pk not in seen:
            rows.append(
                Notification(
                    user=user,
                    kind=kind,
                    title=subject[:200],
                    body=body,
                    url=url,
                    dedupe_key=dedupe_key,
                )
            )
        if (pref is None or pref.email) and not user.is_service_account:
            delivery, wrote = _queue_email(
                user.email,
                user=user,
                kind=kind,
                subject=subject,
                body=body + _link(url),
                dedupe_key=dedupe_key,
                on_sent=on_sent,
                on_sent_args=on_sent_args,
            )
            result.raised += wrote
            if delivery.status != Status.SENT:
                result.pending.append(delivery)
    Notification.objects.bulk_create(rows)
    result.raised += len(rows)
    return result


def notify_address(
    email: str, *, template: str, context: dict | None = None, url: str = ""
) -> EmailDelivery:
    """Email someone who has no account yet (an applicant, an invitee), after commit."""
    context = {**(context or {}), "site_url": settings.PRM_SITE_URL, "url": url}
    subject, body = _render(template, context)
    kind = template.rsplit("/", 1)[-1]
    delivery, _wrote = _queue_email(
        email, user=None, kind=kind, subject=subject, body=body + _link(url)
    )
    return delivery


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def resolve(url: str, kinds: Iterable[str]) -> int:
    """The action that notifications of ``kinds`` linking to ``url`` ask for has been taken,
    by whoever took it (a colleague decided the registration, the partner answered): the unread
    ones are marked read, so they leave every recipient's bell. Returns how many."""
    if not url:
        return 0
    return Notification.objects.filter(url=url, kind__in=list(kinds), read_at__isnull=True).update(
        read_at=timezone.now()
    )


def resolve_keyed(kinds: Iterable[str], dedupe_keys: Iterable[str]) -> int:
    """As ``resolve``, for notices told apart by their dedupe key rather than by their link (a
    page many partners share, such as their own tier standing). Returns how many."""
    keys = sorted(set(dedupe_keys))
    if not keys:
        return 0
    return Notification.objects.filter(
        kind__in=list(kinds), dedupe_key__in=keys, read_at__isnull=True
    ).update(read_at=timezone.now())


def unread_action_count(user: User) -> int:
    """The bell's number: unread notifications that ask the user to act."""
    return Notification.objects.filter(
        user=user, read_at__isnull=True, kind__in=ACTION_KINDS
    ).count()


def notifications_for(user: User):
    """The user's own notifications: nobody reads another person's."""
    return Notification.objects.filter(user=user)


def unread_kinds(user: User) -> list[tuple[str, int]]:
    """(kind, unread count) of the user's unread notifications, most frequent first."""
    rows = (
        Notification.objects.filter(user=user, read_at__isnull=True)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by("-n", "kind")
    )
    return [(kind, n) for kind, n in rows]


# --- Reading and preferences -------------------------------------------------------------------


def mark_notifications_read(
    *, user: User, ids: Iterable[int] | None = None, kind: str | None = None
) -> int:
    """Mark the user's unread notifications as read (all of them, only ``ids``, or only those
    of ``kind``)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    if kind is not None:
        unread = unread.filter(kind=kind)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def save_notification_preferences(
    *, user: User, choices: dict[str, tuple[bool, bool]]
) -> list[NotificationPreference]:
    """Store ``{kind: (by_email, in_portal)}`` for the optional kinds the user's role can
    receive; essential kinds and kinds for other roles are ignored."""
    allowed = {kind for kinds in optional_kinds_for(user).values() for kind, _label in kinds}
    saved = []
    for kind, (email, in_portal) in choices.items():
        if kind not in allowed:
            continue
        pref, _created = NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": bool(email), "in_portal": bool(in_portal)}
        )
        saved.append(pref)
    off = {pref.kind: [pref.email, pref.in_portal] for pref in saved}
    record_event(user, actor=user, verb="notifications.preferences_changed", data=off)
    return saved


# --- Sending -----------------------------------------------------------------------------------

# Errors worth another try later: the mail server or the network, not the message itself.
RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (OSError,)  # SMTPException is an OSError


def send_delivery(*, delivery_id: int, final_attempt: bool) -> EmailDelivery | None:
    """Send one queued delivery and record the outcome; a sent delivery is never sent again.

    A retryable error on a non-final attempt leaves the row queued and is raised again, so the
    task retries it; on the final attempt (or for an error that another try would not fix) the
    row is marked failed. The row lock keeps a redelivered task from sending in parallel.
    """
    error: BaseException | None = None
    with transaction.atomic():
        try:
            delivery = lock(EmailDelivery, delivery_id)
        except EmailDelivery.DoesNotExist:
            return None
        if delivery.status == Status.SENT:
            return delivery
        delivery.attempts += 1
        try:
            send_mail(delivery.subject, delivery.body, None, [delivery.recipient])
        except Exception as exc:
            retry = isinstance(exc, RETRYABLE_ERRORS) and not final_attempt
            delivery.status = Status.QUEUED if retry else Status.FAILED
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            logger.warning("Email delivery %s attempt %s failed: %s",
                           delivery.pk, delivery.attempts, delivery.last_error)  # fmt: skip
            error = exc if retry else None
        else:
            delivery.status = Status.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
        delivery.save(update_fields=["status", "attempts", "last_error", "sent_at", "updated_at"])
        if delivery.status == Status.SENT:
            _run_callback(delivery)
    if error is not None:
        raise error
    return delivery


def requeue_stale_deliveries(
    *, older_than: dt.timedelta, untried_older_than: dt.timedelta | None = None
) -> int:
    """Queue again deliveries still ``queued`` long after their last attempt: their task was
    lost (the broker was down at commit, or a worker died). Sending is idempotent, so a task
    that was merely slow costs at most one extra attempt, never a second email.

    ``untried_older_than`` (shorter) applies to deliveries never attempted at all: no retry
    backoff can be holding them, so after a few minutes their task was most likely never
    queued (Redis was down when the transaction committed), and the outbox row is relayed as
    soon as the broker answers again."""
    now = timezone.now()
    waiting = Q(updated_at__lt=now - older_than)
    if untried_older_than is not None:
        waiting |= Q(attempts=0, updated_at__lt=now - untried_older_than)
    stale = EmailDelivery.objects.filter(waiting, status=Status.QUEUED)
    pks = list(stale.order_by("pk").values_list("pk", flat=True)[:1000])
    for pk in pks:
        _enqueue(pk)
    return len(pks)


def undelivered(dedupe_key: str) -> bool:
    """Whether any email raised under ``dedupe_key`` is not sent yet."""
    return EmailDelivery.objects.filter(dedupe_key=dedupe_key).exclude(status=Status.SENT).exists()


# --- Internals ---------------------------------------------------------------------------------


def _render(template: str, context: dict) -> tuple[str, str]:
    # Plain text, so nothing is HTML-escaped: "O'Brien & Sons" reads as typed in the email, and
    # the portal escapes the body where it shows it.
    text = (
        Engine.get_default()
        .get_template(f"{template}.txt")
        .render(Context(context, autoescape=False))
    )
    subject, _, body = text.strip().partition("\n")
    # A header never spans lines; a template that wraps its subject must not break the mail.
    return " ".join(subject.split())[:255], body.strip()


def _link(url: str) -> str:
    return f"\n\n{settings.PRM_SITE_URL}{url}" if url else ""


def _preferences(users: list[int], kind: str) -> dict[int, NotificationPreference]:
    if kind not in OPTIONAL_KINDS:
        return {}
    return {p.user_id: p for p in NotificationPreference.objects.filter(user__in=users, kind=kind)}


def _already_notified(users: list[int], dedupe_key: str) -> set[int]:
    if not dedupe_key:
        return set()
    rows = Notification.objects.filter(user__in=users, dedupe_key=dedupe_key)
    return set(rows.values_list("user_id", flat=True))


def _queue_email(
    recipient: str,
    *,
    user: User | None,
    kind: str,
    subject: str,
    body: str,
    dedupe_key: str = "",
    on_sent: Callable | None = None,
    on_sent_args: dict | None = None,
) -> tuple[EmailDelivery, bool]:
    """The delivery of this email, and whether this call wrote it (created or re-queued)."""
    callback = ""
    if on_sent is not None:
        if not getattr(on_sent, "_prm_delivery_callback", False):
            raise ValueError(f"{on_sent!r} is not marked with @delivery_callback.")
        callback = f"{on_sent.__module__}.{on_sent.__qualname__}"
    if dedupe_key:
        existing = EmailDelivery.objects.filter(recipient=recipient, dedupe_key=dedupe_key).first()
        if existing is not None:
            if existing.status == Status.FAILED:
                # Raised again after giving up: one more round of retries, on the same row.
                existing.status = Status.QUEUED
                existing.save(update_fields=["status", "updated_at"])
                _enqueue(existing.pk)
                return existing, True
            return existing, False
    delivery = EmailDelivery.objects.create(
        recipient=recipient,
        user=user,
        kind=kind[:60],
        subject=subject,
        body=body,
        dedupe_key=dedupe_key,
        on_sent=callback,
        on_sent_args=on_sent_args or {},
    )
    _enqueue(delivery.pk)
    return delivery, True


def _enqueue(delivery_id: int) -> None:
    from .tasks import send_email_delivery

    # robust: the row is committed and stays queued if the broker is unreachable right now;
    # ``requeue_stale_deliveries`` picks it up later. The web request must not fail for it.
    transaction.on_commit(lambda: send_email_delivery.delay(delivery_id), robust=True)


def _run_callback(delivery: EmailDelivery) -> None:
    if not delivery.on_sent:
        return
    try:
        # A savepoint: a failing callback must not undo the record that the mail went out.
        with transaction.atomic():
            func = import_string(delivery.on_sent)
            if not getattr(func, "_prm_delivery_callback", False):
                raise ValueError(f"{delivery.on_sent} is not a delivery callback.")
            func(delivery=delivery, **delivery.on_sent_args)
    except Exception:
        logger.exception("Callback %s of email delivery %s failed", delivery.on_sent, delivery.pk)
