"""Counts of long lists: exact up to a cap, then "more than N" (or "about N" for a whole table
on PostgreSQL), and every page still reachable."""

import pytest
from django.db import connection
from django.urls import reverse

from deals.models import DealRegistration
from prm import paging
from prm.models import Notification
from prm.paging import CappedPaginator, CountAccuracy
from tests.conftest import db_vendor
from tests.deals.factories import DealFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def twelve_notifications():
    user = UserFactory()
    Notification.objects.bulk_create(
        Notification(user=user, kind="test", title=f"row {n}") for n in range(12)
    )
    return Notification.objects.filter(user=user).order_by("pk")


def test_the_count_is_exact_up_to_the_cap(twelve_notifications):
    paginator = CappedPaginator(twelve_notifications, 5, cap=20)
    page = paginator.get_page(1)
    assert paginator.count == 12
    assert paginator.accuracy is CountAccuracy.EXACT
    assert paginator.count_label == "12"
    assert paginator.num_pages == 3
    assert page.has_next()


def test_beyond_the_cap_the_count_is_a_lower_bound_and_the_next_page_is_offered(
    twelve_notifications,
):
    paginator = CappedPaginator(twelve_notifications, 2, cap=4)
    page = paginator.get_page(1)
    assert paginator.accuracy is CountAccuracy.LOWER_BOUND
    assert paginator.shown_count == 4
    assert paginator.count_label == "more than 4"
    assert page.has_next()
    assert [n.title for n in page] == ["row 0", "row 1"]


def test_a_page_past_the_cap_is_reachable_and_the_last_page_is_exact(twelve_notifications):
    deep = CappedPaginator(twelve_notifications, 2, cap=4).get_page(4)
    assert [n.title for n in deep] == ["row 6", "row 7"]
    assert deep.has_next()
    last = CappedPaginator(twelve_notifications, 2, cap=4).get_page(6)
    assert [n.title for n in last] == ["row 10", "row 11"]
    assert not last.has_next()
    assert last.paginator.accuracy is CountAccuracy.EXACT
    assert last.paginator.count == 12


def test_a_page_past_the_end_is_the_last_page(twelve_notifications):
    page = CappedPaginator(twelve_notifications, 5, cap=4).get_page(99)
    assert [n.title for n in page] == ["row 10", "row 11"]


@pytest.mark.skipif(db_vendor() != "postgresql", reason="the table estimate is PostgreSQL's")
def test_a_whole_table_without_filters_shows_the_tables_estimated_size(twelve_notifications):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE prm_notification")
    whole = CappedPaginator(Notification.objects.order_by("pk"), 2, cap=4)
    whole.get_page(1)
    assert whole.accuracy is CountAccuracy.ESTIMATE
    assert whole.count_label == "about 12"
    # A filtered list is never given the whole table's size.
    filtered = CappedPaginator(twelve_notifications.exclude(title="row 0"), 2, cap=4)
    filtered.get_page(1)
    assert filtered.accuracy is CountAccuracy.LOWER_BOUND


@pytest.mark.skipif(db_vendor() != "postgresql", reason="the table estimate is PostgreSQL's")
def test_a_whole_table_far_beyond_the_cap_is_not_counted(twelve_notifications, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE prm_notification")
    monkeypatch.setattr(paging, "ESTIMATE_TRUSTED", 2)  # 12 rows > 2 x the limit of 4
    whole = CappedPaginator(Notification.objects.order_by("pk"), 2, cap=4)
    with CaptureQueriesContext(connection) as queries:
        page = whole.get_page(1)
        rows = [n.title for n in page]
    assert rows == ["row 0", "row 1"]
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]
    assert whole.accuracy is CountAccuracy.ESTIMATE
    assert whole.count_label == "about 12"
    assert page.has_next()
    # Within the margin the list is counted as before.
    monkeypatch.setattr(paging, "ESTIMATE_TRUSTED", 3)
    counted = CappedPaginator(Notification.objects.order_by("pk"), 2, cap=4)
    with CaptureQueriesContext(connection) as queries:
        counted.get_page(1)
    assert [q for q in queries if "COUNT(" in q["sql"].upper()]
    assert counted.count_label == "about 12"


@pytest.mark.skipif(db_vendor() != "postgresql", reason="the table estimate is PostgreSQL's")
def test_a_process_reads_a_tables_estimate_once_a_minute(
    twelve_notifications, settings, monkeypatch
):
    from django.test.utils import CaptureQueriesContext

    settings.PRM_TABLE_ESTIMATE_MAX_AGE = 60
    monkeypatch.setattr(paging, "_estimates", {})
    clock = [1000.0]
    monkeypatch.setattr(paging, "monotonic", lambda: clock[0])
    whole = Notification.objects.all()

    def estimate():
        with CaptureQueriesContext(connection) as queries:
            value = paging.estimated_table_rows(whole)
        return value, len(queries)

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE prm_notification")
    assert estimate() == (12, 1)
    Notification.objects.filter(pk=twelve_notifications[0].pk).delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE prm_notification")
    clock[0] += 59
    assert estimate() == (12, 0)  # read a minute ago: not read again
    clock[0] += 1
    assert estimate() == (11, 1)


def test_the_deal_list_says_more_than_n_over_the_cap(client_for, acme, acme_admin, monkeypatch):
    monkeypatch.setattr(paging, "PORTAL_COUNT_CAP", 30)
    DealFactory.create_batch(
        60, partner=acme, registered_by=acme_admin, status=DealRegistration.Status.SUBMITTED
    )
    response = client_for(acme_admin).get(reverse("deals:deal_list"))
    html = response.content.decode()
    assert "more than 50 registrations" in html  # one page past page 1, 25 a page
    assert "Page 1</span>" in html
    assert "page=2" in html
    response = client_for(acme_admin).get(reverse("deals:deal_list"), {"page": 3})
    assert "60 registrations" in response.content.decode()
    assert "Page 3 of 3" in response.content.decode()


def test_the_deal_list_count_is_exact_under_the_cap(client_for, acme, acme_admin):
    DealFactory.create_batch(3, partner=acme, registered_by=acme_admin)
    html = client_for(acme_admin).get(reverse("deals:deal_list")).content.decode()
    assert "3 registrations" in html
    assert "more than" not in html
