"""Ops search and export the audit trail; nobody else reads it."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse

from prm.audit import record_account_event, record_event
from prm.models import AuditEvent


@pytest.fixture
def trail(acme, globex, cam, ops, acme_rep):
    def at(day):
        return time_machine.travel(dt.datetime.fromisoformat(day + "T10:00:00+00:00"))

    with at("2026-03-01"):
        record_event(acme, actor=cam, verb="partner.status_changed", from_state="onboarding",
                     to_state="active", reason="Kick-off done")  # fmt: skip
    with at("2026-03-05"):
        record_event(globex, actor=ops, verb="partner.tier_changed", reason="=HYPERLINK(1)")
    with at("2026-03-09"):
        record_account_event(user=acme_rep, verb="account.signed_in")
        record_account_event(user=None, verb="account.sign_in_failed", email="who@x.example")
    return AuditEvent.objects.all()


@pytest.mark.parametrize("persona", ["acme_admin", "acme_rep", "cam", "other_cam", "distri_admin"])
def test_only_ops_reach_the_trail_and_its_export(client_for, personas, persona, trail):
    client = client_for(personas[persona])
    assert client.get(reverse("audit_trail")).status_code == 403
    assert client.get(reverse("audit_export")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    assert client.get(reverse("audit_trail"))["Location"].startswith("/accounts/login/")


def test_ops_see_the_trail_and_a_navigation_entry(client_for, ops, trail):
    response = client_for(ops).get(reverse("audit_trail"))
    assert response.status_code == 200
    assert len(response.context["page_obj"]) == 4
    assert 'href="/audit/"' in response.content.decode()


@pytest.mark.parametrize(
    "query,verbs",
    [
        ({"actor": "cam@vendor"}, ["partner.status_changed"]),
        ({"verb": "account"}, ["account.sign_in_failed", "account.signed_in"]),
        ({"verb": "partner.tier_changed"}, ["partner.tier_changed"]),
        ({"object": "Globex"}, ["partner.tier_changed"]),
        ({"date_from": "2026-03-02", "date_to": "2026-03-05"}, ["partner.tier_changed"]),
        ({"text": "kick-off"}, ["partner.status_changed"]),
        ({"text": "who@x.example"}, ["account.sign_in_failed"]),
    ],
)
def test_search_by_actor_verb_object_dates_and_text(client_for, ops, trail, query, verbs):
    page = client_for(ops).get(reverse("audit_trail"), query).context["page_obj"]
    assert sorted(e.verb for e in page) == sorted(verbs)


def read_export(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_is_exactly_the_filtered_set(client_for, ops, trail):
    client = client_for(ops)
    query = {"date_from": "2026-03-02"}
    shown = [e.pk for e in client.get(reverse("audit_trail"), query).context["page_obj"]]
    rows = read_export(client.get(reverse("audit_export"), query))
    expected = AuditEvent.objects.filter(pk__in=shown).order_by("-created_at", "-id")
    assert [(r["verb"], r["object_id"]) for r in rows] == [(e.verb, e.object_id) for e in expected]
    assert len(rows) == 3


def test_the_export_defuses_formulas(client_for, ops, trail):
    rows = read_export(client_for(ops).get(reverse("audit_export"), {"verb": "partner"}))
    assert "'=HYPERLINK(1)" in [r["reason"] for r in rows]


def test_the_list_pages_through_many_rows(client_for, ops, acme):
    for n in range(120):
        record_event(acme, actor=ops, verb="partner.noted", reason=f"note {n}")
    client = client_for(ops)
    first = client.get(reverse("audit_trail"), {"verb": "partner.noted"})
    assert len(first.context["page_obj"]) == 50
    assert "verb=partner.noted&amp;page=2" in first.content.decode()
    third = client.get(reverse("audit_trail"), {"verb": "partner.noted", "page": 3})
    assert len(third.context["page_obj"]) == 20


def test_listing_takes_the_same_queries_for_many_rows(client_for, ops, acme,
                                                       django_assert_max_num_queries):  # fmt: skip
    client = client_for(ops)
    for n in range(60):
        record_event(acme, actor=ops, verb="partner.noted", reason=f"note {n}")
    with django_assert_max_num_queries(12):
        client.get(reverse("audit_trail"))
