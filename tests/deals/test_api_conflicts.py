"""Conflicts through the API: only the registration's reviewer reads and resolves them."""

import datetime as dt

import pytest
from django.utils import timezone

from deals.conflicts import record_conflicts
from deals.models import DealConflict
from prm.audit import events_for

from .api_support import error_of, key_client, session
from .conflict_factories import RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(acme, globex):
    RegistrationFactory(
        partner=globex,
        customer_name="Soylent Corp",
        customer_domain="soylent.com",
        country="US",
        status="approved",
        first_submitted_at=timezone.now() - dt.timedelta(days=10),
    )
    new = RegistrationFactory(
        partner=acme, customer_name="Soylent", customer_domain="soylent.com", country="US"
    )
    record_conflicts(registration=new)
    return new


def resolve_url(conflict):
    return f"/api/v1/conflicts/{conflict.pk}/resolve/"


def test_reviewer_lists_the_conflicts_of_a_registration(cam, claim):
    response = session(cam).get(f"/api/v1/registrations/{claim.pk}/conflicts/")
    assert response.status_code == 200
    [row] = response.json()
    assert row["registration"]["id"] == claim.pk
    assert row["existing_registration"]["partner"]["display_name"] == "Globex"
    assert row["first_registered"] == row["existing_registration"]["id"]
    assert [e["rule"] for e in row["evidence"]] == ["domain", "name", "country"]
    assert row["score"] == "90.00"  # domain 45 + name 35 + country 10
    assert row["resolution"] == "open"


@pytest.mark.parametrize(
    "who", ["acme_admin", "acme_rep", "distri_admin", "globex_admin", "other_cam"]
)
def test_everyone_else_gets_404_and_an_empty_list(personas, claim, who):
    client = session(personas[who])
    assert client.get(f"/api/v1/registrations/{claim.pk}/conflicts/").status_code == 404
    assert client.get("/api/v1/conflicts/").json()["results"] == []
    conflict = claim.conflicts.get()
    assert client.get(f"/api/v1/conflicts/{conflict.pk}/").status_code == 404
    response = client.post(
        resolve_url(conflict), {"resolution": "not_a_conflict", "reason": "x"}, format="json"
    )
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_filter_by_registration_and_resolution(ops, claim, acme):
    other = RegistrationFactory(partner=acme, customer_name="Soylent Green", country="US")
    record_conflicts(registration=other)
    client = session(ops)
    rows = client.get("/api/v1/conflicts/", {"registration": claim.pk}).json()["results"]
    assert {r["registration"]["id"] for r in rows} == {claim.pk}
    assert (
        client.get("/api/v1/conflicts/", {"resolution": "first_registered"}).json()["results"] == []
    )


def test_resolve_with_reason_is_audited(cam, claim):
    conflict = claim.conflicts.get()
    response = session(cam).post(
        resolve_url(conflict),
        {"resolution": "first_registered", "reason": "Globex was first"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["resolution"] == "first_registered"
    assert response.json()["resolved_by"]["email"] == cam.email
    assert events_for(conflict).get().rule == "first registered, first protected"


def test_resolve_errors(cam, claim):
    conflict = claim.conflicts.get()
    client = session(cam)
    response = client.post(resolve_url(conflict), {"resolution": "first_registered"}, format="json")
    assert response.status_code == 400
    assert "reason" in error_of(response)["details"]
    response = client.post(
        resolve_url(conflict), {"resolution": "vendor_opportunity", "reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_conflict_resolution"
    client.post(
        resolve_url(conflict), {"resolution": "not_a_conflict", "reason": "x"}, format="json"
    )
    response = client.post(
        resolve_url(conflict), {"resolution": "first_registered", "reason": "y"}, format="json"
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict_already_resolved"
    assert DealConflict.objects.get().resolution == "not_a_conflict"


def test_a_partner_key_sees_no_conflicts(ops, acme, claim):
    client = key_client(ops, "deals:read", partner=acme)
    assert client.get(f"/api/v1/registrations/{claim.pk}/conflicts/").status_code == 404
    assert client.get("/api/v1/conflicts/").json()["count"] == 0


def test_list_queries_do_not_grow(ops, acme, globex, django_assert_max_num_queries):
    client = session(ops)

    def add(n):
        for i in range(n):
            RegistrationFactory(partner=globex, customer_name=f"Tyrell {i}", country="US")
            new = RegistrationFactory(partner=acme, customer_name=f"Tyrell {i}", country="US")
            record_conflicts(registration=new)

    add(2)
    # A full page, as the one below: a page shorter than its size is counted without a query.
    with django_assert_max_num_queries(15) as few:
        assert len(client.get("/api/v1/conflicts/", {"page_size": 1}).json()["results"]) == 1
    add(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/conflicts/").json()["count"] >= 10
