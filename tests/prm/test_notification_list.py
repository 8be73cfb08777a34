"""The notifications page: filter by kind and read state, grouped by day, marked read by kind,
and a bell that counts only unread notifications that need action."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from prm.models import Notification
from prm.notifications import ACTION_KINDS, kind_label, unread_action_count
from tests.factories import UserFactory

LIST = reverse("notifications")


@pytest.fixture
def inbox(acme_rep, globex_admin):
    now = timezone.now()

    def note(user, kind, *, days=0, read=False, title=""):
        return Notification.objects.create(
            user=user,
            kind=kind,
            title=title or kind,
            created_at=now - dt.timedelta(days=days),
            read_at=now if read else None,
        )

    return {
        "offer": note(acme_rep, "lead_offered", title="Lead for you"),
        "more": note(acme_rep, "deal_more_info", days=1),
        "news": note(acme_rep, "deal_outcome", days=1),
        "old": note(acme_rep, "lead_offered", days=3, read=True),
        "other": note(globex_admin, "lead_offered", title="Globex lead"),
    }


def test_action_kinds_are_declared_in_one_place():
    assert "lead_offered" in ACTION_KINDS and "deal_outcome" not in ACTION_KINDS


def test_the_bell_counts_only_unread_notifications_that_need_action(client_for, inbox, acme_rep):
    assert unread_action_count(acme_rep) == 2
    page = client_for(acme_rep).get(reverse("deals:deal_list"))
    assert page.context["unread_notifications"] == 2


def test_filters_by_kind_and_read_state_and_groups_by_day(client_for, inbox, acme_rep):
    client = client_for(acme_rep)
    everything = client.get(LIST)
    assert len(everything.context["page_obj"]) == 4  # never another person's
    assert everything.content.decode().count('data-testid="notification-day"') == 3
    offers = client.get(LIST, {"kind": "lead_offered"})
    assert {n.pk for n in offers.context["page_obj"]} == {inbox["offer"].pk, inbox["old"].pk}
    unread = client.get(LIST, {"state": "unread"})
    assert {n.pk for n in unread.context["page_obj"]} == {
        inbox["offer"].pk,
        inbox["more"].pk,
        inbox["news"].pk,
    }
    action = client.get(LIST, {"state": "action"})
    assert {n.pk for n in action.context["page_obj"]} == {inbox["offer"].pk, inbox["more"].pk}


def test_an_unknown_kind_or_state_is_an_error(client_for, inbox, acme_rep):
    client = client_for(acme_rep)
    for params in ({"kind": "mdf_allocated"}, {"state": "sideways"}):
        response = client.get(LIST, params)
        assert response.context["filter_form"].errors
        assert list(response.context["page_obj"]) == []


def test_marking_read_by_kind_reports_each_kind(client_for, inbox, acme_rep, globex_admin):
    response = client_for(acme_rep).post(
        reverse("notifications_mark_read"), {"kinds": ["lead_offered", "mdf_allocated"]}
    )
    rows = response.context["result"].rows
    assert [(row.ok, row.message) for row in rows] == [
        (True, "1 marked read"),
        (False, "Nothing unread of this kind."),
    ]
    inbox["offer"].refresh_from_db(), inbox["more"].refresh_from_db()
    assert inbox["offer"].read_at is not None and inbox["more"].read_at is None
    assert unread_action_count(globex_admin) == 1  # another person's stay unread


def test_the_notification_export_is_the_users_own(client_for, inbox, acme_rep):
    response = client_for(acme_rep).get(LIST, {"export": "csv", "kind": "lead_offered"})
    text = b"".join(response.streaming_content).decode()
    assert "Lead for you" in text and "Globex lead" not in text


def test_queries_do_not_grow_with_notifications(db, client_for, django_assert_max_num_queries):
    user = UserFactory()
    client = client_for(user)
    for n in range(3):
        Notification.objects.create(user=user, kind="lead_offered", title=str(n))
    with django_assert_max_num_queries(30) as few:
        client.get(LIST)
    for n in range(20):
        Notification.objects.create(user=user, kind="deal_outcome", title=str(n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LIST)


def test_kinds_read_as_words_with_their_acronyms():
    assert kind_label("mdf_claim_decided") == "MDF claim decided"
    assert kind_label("deal_sla_escalation") == "Deal SLA escalation"
    assert kind_label("scorecards.tier_warning") == "Tier warning"
