from pathlib import Path

import pytest
from django.core import mail

from prm.models import Notification, NotificationPreference
from prm.notifications import OPTIONAL_KINDS, notify, notify_address, register_optional_kind

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


def test_notify_creates_a_row_and_an_email_after_commit(
    acme_rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify([acme_rep], kind="tests.essential", template="tests/event",
               context={"what": "a decision"}, url="/deals/1/")  # fmt: skip
        assert Notification.objects.count() == 0, "nothing is sent before the commit"
    row = Notification.objects.get(user=acme_rep)
    assert row.title == "Test event for rex@acme.example"
    assert row.body == "Something happened: a decision."
    assert mail.outbox[0].subject == "Test event for rex@acme.example"
    assert mail.outbox[0].body.endswith("/deals/1/")


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


def test_notify_address_emails_people_without_accounts(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify_address("new@prospect.example", template="tests/event",
                       context={"what": "an invitation"})  # fmt: skip
    assert mail.outbox[0].to == ["new@prospect.example"]


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
