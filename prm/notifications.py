"""Notifications: an in-portal row and an email per recipient, sent after the transaction commits.

Each event kind has an email template ``templates/<app>/email/<kind>.txt`` whose first line is the
subject. Essential kinds (decisions about a user's own work, security) cannot be turned off;
the rest follow the user's ``NotificationPreference``.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from .models import Notification, NotificationPreference, User

# Kinds a user may turn off, with the label shown on the preferences page. Apps register theirs.
OPTIONAL_KINDS: dict[str, str] = {}


def register_optional_kind(kind: str, label: str) -> None:
    OPTIONAL_KINDS[kind] = label


def notify(
    recipients: Iterable[User | None],
    *,
    kind: str,
    template: str,
    context: dict | None = None,
    url: str = "",
) -> None:
    """Queue a notification of ``kind`` to each recipient once the current transaction commits.

    ``template`` names ``templates/<template>.txt``; its first line is the subject/title.
    """
    users = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not users:
        return
    context = {**(context or {}), "site_url": settings.PRM_SITE_URL, "url": url}
    transaction.on_commit(lambda: _deliver(list(users.values()), kind, template, context, url))


def _deliver(users: list[User], kind: str, template: str, context: dict, url: str) -> None:
    muted = {}
    if kind in OPTIONAL_KINDS:
        muted = {
            pref.user_id: pref
            for pref in NotificationPreference.objects.filter(user__in=users, kind=kind)
        }
    rows = []
    for user in users:
        text = render_to_string(f"{template}.txt", {**context, "recipient": user})
        subject, _, body = text.strip().partition("\n")
        pref = muted.get(user.pk)
        if pref is None or pref.in_portal:
            rows.append(
                Notification(user=user, kind=kind, title=subject[:200], body=body.strip(), url=url)
            )
        if (pref is None or pref.email) and not user.is_service_account:
            link = f"\n\n{settings.PRM_SITE_URL}{url}" if url else ""
            send_mail(subject, body.strip() + link, None, [user.email], fail_silently=False)
    Notification.objects.bulk_create(rows)


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notify_address(
    email: str, *, template: str, context: dict | None = None, url: str = ""
) -> None:
    """Email someone who has no account yet (an applicant, an invitee), after commit."""
    context = {**(context or {}), "site_url": settings.PRM_SITE_URL, "url": url}

    def send():
        subject, _, body = render_to_string(f"{template}.txt", context).strip().partition("\n")
        link = f"\n\n{settings.PRM_SITE_URL}{url}" if url else ""
        send_mail(subject, body.strip() + link, None, [email], fail_silently=False)

    transaction.on_commit(send)
