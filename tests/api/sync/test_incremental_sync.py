"""Incremental sync: ``updated_since``, cursor pages in change order, and ETag / If-Match so a
sync never overwrites a newer change."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from django.utils.http import http_date

from deals.models import DealRegistration
from prm.models import AuditEvent
from tests.deals.api_support import error_of, session
from tests.deals.conflict_factories import RegistrationFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/registrations/"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def walk(client, url):
    """Every row of a cursor walk, following ``next`` links."""
    rows, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        data = response.json()
        assert "count" not in data
        rows += data["results"]
        url, pages = data["next"], pages + 1
    return rows, pages


def make_deals(partner, user, n, start):
    deals = []
    for i in range(n):
        with time_machine.travel(start + dt.timedelta(minutes=i), tick=False):
            deals.append(
                RegistrationFactory(partner=partner, registered_by=user, customer_name=f"C{i}")
            )
    return deals


class TestUpdatedSince:
    def test_keeps_rows_changed_at_or_after(self, acme, acme_rep):
        make_deals(acme, acme_rep, 4, T0)
        since = (T0 + dt.timedelta(minutes=2)).isoformat()
        response = session(acme_rep).get(LIST, {"updated_since": since})
        names = {row["customer_name"] for row in response.json()["results"]}
        assert names == {"C2", "C3"}

    def test_naive_time_is_utc(self, acme, acme_rep):
        make_deals(acme, acme_rep, 3, T0)
        response = session(acme_rep).get(LIST, {"updated_since": "2026-03-02T09:01:00"})
        assert response.json()["count"] == 2

    def test_any_offset_is_compared_in_utc(self, acme, acme_rep):
        make_deals(acme, acme_rep, 3, T0)
        # 09:01 UTC, written with an unusual offset.
        response = session(acme_rep).get(LIST, {"updated_since": "2026-03-02T19:17:00+10:16"})
        assert response.json()["count"] == 2
        # 2026-03-01T17:01 UTC: before all three.
        response = session(acme_rep).get(LIST, {"updated_since": "2026-03-02T13:17:00+20:16"})
        assert response.json()["count"] == 3

    def test_time_outside_the_calendar_in_utc_is_a_400(self, acme_rep):
        response = session(acme_rep).get(LIST, {"updated_since": "0001-01-01T00:00:00+05:00"})
        assert response.status_code == 400
        assert "updated_since" in error_of(response)["details"]

    def test_bad_time_is_a_400(self, acme_rep):
        response = session(acme_rep).get(LIST, {"updated_since": "yesterday"})
        assert response.status_code == 400
        assert "updated_since" in error_of(response)["details"]

    def test_scoped_like_the_list(self, acme, globex, acme_rep, globex_admin):
        make_deals(acme, acme_rep, 2, T0)
        make_deals(globex, globex_admin, 2, T0)
        response = session(globex_admin).get(LIST, {"updated_since": T0.isoformat()})
        assert {row["partner"]["id"] for row in response.json()["results"]} == {globex.pk}


class TestCursorWalk:
    def test_walk_sees_every_row_once_in_change_order(self, acme, acme_rep):
        deals = make_deals(acme, acme_rep, 7, T0)
        rows, pages = walk(session(acme_rep), f"{LIST}?pagination=cursor&page_size=3")
        assert [row["id"] for row in rows] == [d.pk for d in deals]
        assert pages == 3

    def test_changes_during_a_walk_are_seen_exactly_once(self, acme, acme_rep, ops):
        deals = make_deals(acme, acme_rep, 6, T0)
        client = session(acme_rep)
        first = client.get(f"{LIST}?pagination=cursor&page_size=2").json()
        seen = [row["id"] for row in first["results"]]
        # Meanwhile: an already-seen row and a not-yet-seen row change, and a new row appears.
        with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
            for deal in (deals[0], deals[4]):
                DealRegistration.objects.filter(pk=deal.pk).update(updated_at=timezone.now())
            new = make_deals(acme, acme_rep, 1, T0 + dt.timedelta(hours=2))[0]
        rest, _pages = walk(client, first["next"])
        seen += [row["id"] for row in rest]
        expected = [*(d.pk for d in deals[2:4]), deals[5].pk, deals[0].pk, deals[4].pk, new.pk]
        assert seen[2:] == expected
        # Each change is delivered once: deals[0] twice (before and after its change), the rest
        # once, nothing skipped.
        assert sorted(seen) == sorted([*(d.pk for d in deals), deals[0].pk, new.pk])

    def test_then_updated_since_picks_up_where_the_walk_ended(self, acme, acme_rep):
        deals = make_deals(acme, acme_rep, 3, T0)
        rows, _ = walk(session(acme_rep), f"{LIST}?pagination=cursor")
        high_water = rows[-1]["updated_at"]
        with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
            DealRegistration.objects.filter(pk=deals[1].pk).update(updated_at=timezone.now())
        url = f"{LIST}?pagination=cursor&updated_since={high_water.replace('+', '%2B')}"
        rows, _ = walk(session(acme_rep), url)
        assert [row["id"] for row in rows] == [deals[2].pk, deals[1].pk]

    def test_cursor_pages_are_scoped(self, acme, globex, acme_rep, globex_admin):
        make_deals(acme, acme_rep, 3, T0)
        make_deals(globex, globex_admin, 2, T0)
        rows, _ = walk(session(globex_admin), f"{LIST}?pagination=cursor&page_size=1")
        assert len(rows) == 2
        assert {row["partner"]["id"] for row in rows} == {globex.pk}

    def test_unknown_mode_is_a_400(self, acme_rep):
        response = session(acme_rep).get(LIST, {"pagination": "sideways"})
        assert response.status_code == 400

    def test_page_numbers_stay_the_default(self, acme, acme_rep):
        make_deals(acme, acme_rep, 2, T0)
        assert session(acme_rep).get(LIST).json()["count"] == 2


class TestOptimisticConcurrency:
    def test_get_carries_an_etag_that_changes_with_the_record(self, acme, acme_rep):
        deal = RegistrationFactory(partner=acme, registered_by=acme_rep, status="draft")
        client = session(acme_rep)
        first = client.get(f"{LIST}{deal.pk}/")["ETag"]
        assert first == client.get(f"{LIST}{deal.pk}/")["ETag"]
        with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
            DealRegistration.objects.filter(pk=deal.pk).update(updated_at=timezone.now())
        assert client.get(f"{LIST}{deal.pk}/")["ETag"] != first

    def test_stale_if_match_is_a_412_and_changes_nothing(self, acme, acme_rep):
        deal = RegistrationFactory(partner=acme, registered_by=acme_rep, status="draft")
        client = session(acme_rep)
        etag = client.get(f"{LIST}{deal.pk}/")["ETag"]
        with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
            DealRegistration.objects.filter(pk=deal.pk).update(updated_at=timezone.now())
        events = AuditEvent.objects.count()
        response = client.post(f"{LIST}{deal.pk}/submit/", HTTP_IF_MATCH=etag)
        assert response.status_code == 412
        assert error_of(response)["code"] == "precondition_failed"
        deal.refresh_from_db()
        assert deal.status == "draft"
        assert AuditEvent.objects.count() == events

    def test_current_if_match_writes_and_answers_the_new_etag(self, acme, acme_rep):
        deal = RegistrationFactory(partner=acme, registered_by=acme_rep, status="draft")
        client = session(acme_rep)
        etag = client.get(f"{LIST}{deal.pk}/")["ETag"]
        with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
            response = client.post(f"{LIST}{deal.pk}/submit/", HTTP_IF_MATCH=etag)
        assert response.status_code == 200
        assert response.json()["status"] == "submitted"
        assert response["ETag"] not in (None, etag)
        assert response["ETag"] == client.get(f"{LIST}{deal.pk}/")["ETag"]

    def test_upsert_guarded_by_if_match(self, acme_rep):
        client = session(acme_rep)
        url = "/api/v1/registrations/by-external-id/E-1/"
        body = {
            "customer_name": "Hooli",
            "country": "US",
            "estimated_amount": "1000",
            "currency": "USD",
            "expected_close_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "submit": False,
        }
        # No version exists yet: a conditional write has nothing to match.
        assert client.put(url, body, format="json", HTTP_IF_MATCH='"x"').status_code == 412
        etag = client.put(url, body, format="json")["ETag"]
        with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
            changed = client.put(url, {**body, "notes": "newer"}, format="json")
        assert changed.status_code == 200
        stale = client.put(url, {**body, "notes": "older"}, format="json", HTTP_IF_MATCH=etag)
        assert stale.status_code == 412
        assert DealRegistration.objects.get(external_id="E-1").notes == "newer"

    def test_if_unmodified_since(self, acme, acme_rep):
        deal = RegistrationFactory(partner=acme, registered_by=acme_rep, status="draft")
        client = session(acme_rep)
        before = http_date((deal.updated_at - dt.timedelta(minutes=1)).timestamp())
        response = client.post(f"{LIST}{deal.pk}/submit/", HTTP_IF_UNMODIFIED_SINCE=before)
        assert response.status_code == 412
        after = http_date((deal.updated_at + dt.timedelta(minutes=1)).timestamp())
        response = client.post(f"{LIST}{deal.pk}/submit/", HTTP_IF_UNMODIFIED_SINCE=after)
        assert response.status_code == 200

    def test_out_of_scope_is_still_a_404(self, acme, acme_rep, globex_admin):
        deal = RegistrationFactory(partner=acme, registered_by=acme_rep, status="draft")
        response = session(globex_admin).post(f"{LIST}{deal.pk}/submit/", HTTP_IF_MATCH='"x"')
        assert response.status_code == 404


def test_account_upsert_honours_if_match(ops):
    client = session(ops)
    url = "/api/v1/accounts/ACC-1/"
    etag = client.put(url, {"name": "Initech"}, format="json")["ETag"]
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        assert client.put(url, {"name": "Initech AG"}, format="json").status_code == 200
    stale = client.put(url, {"name": "Old"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert client.get(url).json()["name"] == "Initech AG"
