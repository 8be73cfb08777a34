"""Page-number pages count cheaply: ``count`` is exact up to a cap, and ``count_accuracy`` says
when it is only a lower bound; the schema documents both."""

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deals.models import DealRegistration
from prm.api import pagination
from tests.deals.factories import DealFactory

pytestmark = pytest.mark.django_db

REGISTRATIONS = "/api/v1/registrations/"


@pytest.fixture
def acme_deals(acme, acme_admin):
    return DealFactory.create_batch(
        12, partner=acme, registered_by=acme_admin, status=DealRegistration.Status.SUBMITTED
    )


def test_an_exact_count_under_the_cap(acme_deals, key_client):
    page = key_client("deals:read").get(REGISTRATIONS, {"page_size": 5}).json()
    assert page["count"] == 12
    assert page["count_accuracy"] == "exact"
    assert len(page["results"]) == 5


def test_over_the_cap_the_count_is_a_lower_bound_and_every_page_is_reachable(
    acme_deals, key_client, monkeypatch
):
    monkeypatch.setattr(pagination, "COUNT_CAP", 4)
    client = key_client("deals:read")
    first = client.get(REGISTRATIONS, {"page_size": 2}).json()
    assert first["count_accuracy"] == "lower_bound"
    assert first["count"] == 4  # at least this many; more follow
    assert "page=2" in first["next"]
    seen, url = [], REGISTRATIONS + "?page_size=2"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(deal.pk for deal in acme_deals)
    last = client.get(REGISTRATIONS, {"page_size": 2, "page": 6}).json()
    assert (last["count"], last["count_accuracy"]) == (12, "exact")


def test_cursor_pages_carry_no_count(acme_deals, key_client):
    page = key_client("deals:read").get(REGISTRATIONS, {"pagination": "cursor"}).json()
    assert "count" not in page
    assert "count_accuracy" not in page


def test_the_schema_documents_the_count_and_its_accuracy(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    page = schema["components"]["schemas"]["PaginatedRegistrationOutputList"]
    accuracy = page["properties"]["count_accuracy"]
    enum = schema["components"]["schemas"][accuracy["allOf"][0]["$ref"].rsplit("/", 1)[-1]]
    assert enum["enum"] == ["exact", "lower_bound", "estimate"]
    assert "lower_bound" in accuracy["description"]
    assert "10,000" in page["properties"]["count"]["description"]


def test_a_short_page_is_the_last_one_and_is_counted_from_its_rows(acme_deals, key_client):
    client = key_client("deals:read")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(REGISTRATIONS, {"page_size": 50}).json()
    assert (page["count"], page["count_accuracy"], page["next"]) == (12, "exact", None)
    assert len(page["results"]) == 12
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    # Past the last page it is still a 404, and a full page still counts what follows.
    assert client.get(REGISTRATIONS, {"page_size": 50, "page": 2}).status_code == 404
    full = client.get(REGISTRATIONS, {"page_size": 6}).json()
    assert (full["count"], full["count_accuracy"], len(full["results"])) == (12, "exact", 6)
    assert "page=2" in full["next"]
