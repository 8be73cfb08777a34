import datetime as dt
import smtplib
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from prm.models import AuditEvent, EmailDelivery, Notification, NotificationPreference
from prm.notifications import (
    OPTIONAL_KINDS,
    mark_notifications_read,
    notify,
    notify_address,
    register_optional_kind,
    requeue_stale_deliveries,
    send_delivery,
)
from prm.tasks import MAX_EMAIL_RETRIES, send_email_delivery

TEST_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.fixture(autouse=True)
def _test_templates(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEST_TEMPLATES]}
    ]


@pytest.fixture
def optional_kind():
    register_optional_kind("tests.optional", "Test reminders")
    yield "tests.optional"
    OPTIONAL_KINDS.pop("tests.optional", None)


def test_notify_writes_the_row_now_and_emails_after_commit(
    acme_rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify([acme_rep], kind="tests.essential", template="tests/event",
               context={"what": "a decision"}, url="/deals/1/")  # fmt: skip
        row = Notification.objects.get(user=acme_rep)
        assert not mail.outbox, "no email before the commit"
        assert EmailDelivery.objects.get().status == EmailDelivery.Status.QUEUED
    assert row.title == "Test event for rex@acme.example"
    assert row.body == "Something happened: a decision."
    assert mail.outbox[0].subject == "Test event for rex@acme.example"
    assert mail.outbox[0].body.endswith("/deals/1/")
    delivery = EmailDelivery.objects.get()
    assert (delivery.recipient, delivery.status, delivery.attempts) == (
        "rex@acme.example",
        EmailDelivery.Status.SENT,
        1,
    )
    assert delivery.sent_at is not None


def test_text_is_written_as_typed_and_escaped_once_where_the_portal_shows_it(
    acme_rep, client_for, django_capture_on_commit_callbacks
):
    typed = "O'Brien & Sons <Ltd>"
    with django_capture_on_commit_callbacks(execute=True):
        notify([acme_rep], kind="tests.essential", template="tests/event",
               context={"what": typed}, url="/deals/1/")  # fmt: skip
    row = Notification.objects.get(user=acme_rep)
    assert row.body == f"Something happened: {typed}."
    assert mail.outbox[0].body.startswith(f"Something happened: {typed}.")
    page = client_for(acme_rep).get("/notifications/").content.decode()
    assert "O&#x27;Brien &amp; Sons &lt;Ltd&gt;" in page
    assert "&amp;#x27;" not in page and "&amp;amp;" not in page


def test_notifications_roll_back_with_the_event(acme_rep, django_capture_on_commit_callbacks):
    """The rows belong to the transaction that caused them: no event, no notification."""
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify([acme_rep], kind="tests.essential", template="tests/event")
        raise RuntimeError("the event failed")
    assert not Notification.objects.exists() and not EmailDelivery.objects.exists()
    assert not mail.outbox


def test_a_mail_server_error_loses_no_in_portal_notification(
    acme_rep, acme_admin, mail_outage, django_capture_on_commit_callbacks
):
    mail_outage.down_for = {acme_rep.email}
    with django_capture_on_commit_callbacks(execute=True):
        notify([acme_rep, acme_admin], kind="tests.essential", template="tests/event")
    assert Notification.objects.filter(user__in=[acme_rep, acme_admin]).count() == 2
    assert [m.to for m in mail.outbox] == [[acme_admin.email]]
    failed = EmailDelivery.objects.get(recipient=acme_rep.email)
    assert failed.status == EmailDelivery.Status.FAILED
    assert failed.attempts == MAX_EMAIL_RETRIES + 1
    assert "SMTPRecipientsRefused" in failed.last_error


def test_a_passing_outage_is_retried_until_sent(
    acme_rep, mail_outage, django_capture_on_commit_callbacks
):
    mail_outage.failures_left = 2
    with django_capture_on_commit_callbacks(execute=True):
        notify([acme_rep], kind="tests.essential", template="tests/event")
    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        EmailDelivery.Status.SENT,
        3,
        "",
    )
    assert len(mail.outbox) == 1


def test_a_worker_attempt_that_fails_is_recorded_and_raised_for_a_retry(acme_rep, mail_outage):
    notify([acme_rep], kind="tests.essential", template="tests/event")
    delivery = EmailDelivery.objects.get()
    mail_outage.failures_left = 1
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_delivery(delivery_id=delivery.pk, final_attempt=False)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (EmailDelivery.Status.QUEUED, 1)
    assert "SMTPServerDisconnected" in delivery.last_error


def test_the_task_retries_with_backoff_and_acks_late():
    assert send_email_delivery.acks_late
    assert send_email_delivery.max_retries == MAX_EMAIL_RETRIES
    assert send_email_delivery.retry_jitter and send_email_delivery.retry_backoff
    assert issubclass(smtplib.SMTPException, send_email_delivery.autoretry_for)


def test_a_sent_delivery_is_never_sent_again(acme_rep, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify([acme_rep], kind="tests.essential", template="tests/event")
    delivery = EmailDelivery.objects.get()
    send_email_delivery.delay(delivery.pk)  # a redelivered message, or a second worker
    send_delivery(delivery_id=delivery.pk, final_attempt=True)
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_deliveries_whose_task_was_lost_are_queued_again(acme_rep, mail_outage):
    # No commit callbacks run here: as if the broker was unreachable when the event committed.
    notify([acme_rep], kind="tests.essential", template="tests/event")
    delivery = EmailDelivery.objects.get()
    assert requeue_stale_deliveries(older_than=dt.timedelta(hours=1)) == 0
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        updated_at=timezone.now() - dt.timedelta(hours=2)
    )
    # The sweep queues a task for it on commit; run it directly to check the outcome.
    assert requeue_stale_deliveries(older_than=dt.timedelta(hours=1)) == 1
    send_email_delivery.delay(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == EmailDelivery.Status.SENT and len(mail.outbox) == 1


def test_essential_kinds_ignore_preferences(acme_rep, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(
        user=acme_rep, kind="tests.essential", email=False, in_portal=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify([acme_rep], kind="tests.essential", template="tests/event")
    assert Notification.objects.filter(user=acme_rep).count() == 1
    assert len(mail.outbox) == 1


def test_optional_kinds_follow_preferences(
    acme_rep, acme_admin, optional_kind, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=acme_rep, kind=optional_kind, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify([acme_rep, acme_admin], kind=optional_kind, template="tests/event")
    assert Notification.objects.filter(kind=optional_kind).count() == 2
    assert [m.to for m in mail.outbox] == [["ada@acme.example"]]


def test_inactive_users_are_skipped(acme_rep, django_capture_on_commit_callbacks):
    acme_rep.is_active = False
    acme_rep.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify([acme_rep], kind="tests.essential", template="tests/event")
    assert not Notification.objects.exists() and not mail.outbox


def test_notify_address_emails_people_without_accounts(
    db, mail_outage, django_capture_on_commit_callbacks
):
    mail_outage.failures_left = 1
    with django_capture_on_commit_callbacks(execute=True):
        notify_address("new@prospect.example", template="tests/event",
                       context={"what": "an invitation"})  # fmt: skip
    assert mail.outbox[0].to == ["new@prospect.example"]
    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.user) == (
        EmailDelivery.Status.SENT,
        2,
        None,
    )


def test_mark_read_marks_only_the_given_notifications_of_that_user(acme_rep, globex_admin):
    notify([acme_rep], kind="k", template="tests/event")
    notify([acme_rep], kind="k", template="tests/event")
    notify([globex_admin], kind="k", template="tests/event")
    first, second = Notification.objects.filter(user=acme_rep).order_by("pk")
    other = Notification.objects.get(user=globex_admin)
    assert mark_notifications_read(user=acme_rep, ids=[first.pk, other.pk]) == 1
    assert mark_notifications_read(user=acme_rep) == 1
    assert Notification.objects.filter(read_at__isnull=True).get() == other


def test_preferences_page_saves_opt_outs(client_for, acme_rep, optional_kind):
    client = client_for(acme_rep)
    page = client.get("/notifications/preferences/")
    assert b"Test reminders by email" in page.content
    response = client.post(
        "/notifications/preferences/", {f"{optional_kind}__in_portal": "on"}, follow=True
    )
    assert response.status_code == 200
    pref = NotificationPreference.objects.get(user=acme_rep, kind=optional_kind)
    assert (pref.email, pref.in_portal) == (False, True)
    event = AuditEvent.objects.get(verb="notifications.preferences_changed")
    assert event.actor == acme_rep and event.data[optional_kind] == [False, True]


def test_notification_list_shows_only_own_and_marks_read(
    client_for, acme_rep, globex_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify([acme_rep], kind="k", template="tests/event", context={"what": "mine"})
        notify([globex_admin], kind="k", template="tests/event", context={"what": "theirs"})
    client = client_for(acme_rep)
    body = client.get("/notifications/").content.decode()
    assert "mine" in body and "theirs" not in body
    client.post("/notifications/")
    assert not Notification.objects.filter(user=acme_rep, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=globex_admin, read_at__isnull=True).exists()


def test_a_delivery_never_tried_is_relayed_after_minutes_one_tried_only_after_its_backoff(
    acme_rep, mail_outage
):
    """The broker was down when the event committed: the row was never tried and no retry
    backoff holds it, so the scheduled sweep queues it after five minutes, not an hour."""
    notify([acme_rep], kind="tests.essential", template="tests/event")
    notify([acme_rep], kind="tests.essential", template="tests/event", dedupe_key="other")
    untried, tried = EmailDelivery.objects.order_by("pk")
    EmailDelivery.objects.filter(pk=tried.pk).update(attempts=1)
    EmailDelivery.objects.update(updated_at=timezone.now() - dt.timedelta(minutes=10))

    def sweep():
        return requeue_stale_deliveries(
            older_than=dt.timedelta(hours=1), untried_older_than=dt.timedelta(minutes=5)
        )

    assert sweep() == 1  # the untried one: the tried one may be waiting for its next retry
    EmailDelivery.objects.filter(pk=untried.pk).update(
        updated_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert sweep() == 0  # a minute old: its task may simply not have run yet
    EmailDelivery.objects.filter(pk=tried.pk).update(
        updated_at=timezone.now() - dt.timedelta(hours=2)
    )
    assert sweep() == 1  # past the longest backoff: its retry was lost
