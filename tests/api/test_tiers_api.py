import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.models import TierRequirement
from tests.factories import TierFactory, TierRequirementFactory

pytestmark = pytest.mark.django_db

TIERS = "/api/v1/tiers/"


@pytest.fixture
def ladder(tiers):
    silver = tiers[1]
    TierRequirementFactory(
        tier=silver, metric=TierRequirement.Metric.CERTIFIED_TECHNICAL, threshold=2, position=1
    )
    TierRequirementFactory(
        tier=silver, metric=TierRequirement.Metric.SOURCED_REVENUE, threshold=50000, position=2
    )
    return tiers


@pytest.mark.parametrize(
    "persona", ["acme_admin", "acme_rep", "globex_admin", "distri_admin", "cam", "other_cam", "ops"]
)
def test_every_signed_in_persona_reads_the_tier_ladder(personas, session_for, ladder, persona):
    response = session_for(personas[persona]).get(TIERS)

    assert response.status_code == 200
    assert [t["name"] for t in response.json()["results"]] == ["Registered", "Silver", "Gold"]


def test_a_tier_reads_with_its_requirements_in_order(session_for, acme_rep, ladder):
    body = session_for(acme_rep).get(f"{TIERS}{ladder[1].pk}/").json()

    assert (body["rank"], body["name"], body["mdf_accrual_rate"]) == (2, "Silver", "0.0200")
    assert [(r["metric"], r["threshold"]) for r in body["requirements"]] == [
        ("certified_technical", "2.00"),
        ("sourced_revenue", "50000.00"),
    ]
    assert body["requirements"][0]["metric_label"] == "Certified technical people"


def test_tiers_are_not_open_to_anonymous_callers(db, api_client, ladder):
    assert api_client.get(TIERS).status_code == 401


def test_an_unknown_tier_is_404(session_for, ops):
    assert session_for(ops).get(f"{TIERS}999/").status_code == 404


def test_tiers_have_no_put(session_for, ops, ladder):
    """Changes are PATCH (``test_program_tiers_api``); there is no whole-record replacement."""
    client = session_for(ops)
    assert client.put(f"{TIERS}{ladder[0].pk}/", {"name": "X"}, format="json").status_code == 405


def test_listing_tiers_costs_the_same_queries_for_more_rows(
    session_for, ops, ladder, django_assert_max_num_queries
):
    client = session_for(ops)
    with django_assert_max_num_queries(6) as few:
        client.get(TIERS)
    baseline = len(few)  # read now: every request resets the query log
    for rank in range(4, 12):
        TierRequirementFactory(tier=TierFactory(rank=rank), threshold=rank)
    with django_assert_max_num_queries(baseline):
        assert client.get(TIERS).json()["count"] == 11


def test_the_tier_list_reads_no_partner_rows(session_for, acme_rep, acme, ladder):
    """Counting partners per tier would join every partner; the ladder does not show it."""
    client = session_for(acme_rep)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(TIERS).status_code == 200
    tier_queries = [q["sql"] for q in queries.captured_queries if "partners_tier" in q["sql"]]
    assert tier_queries
    assert not [sql for sql in tier_queries if "partners_partner" in sql]
