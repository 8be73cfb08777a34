"""The read-only scorecard API, scoped like the pages."""

import pytest

from scorecards.cards import services
from scorecards.models import Scorecard


@pytest.fixture
def cards(measured_partner, globex, quarter):
    services.compute_scorecards([measured_partner, globex], quarter)
    return {c.partner.display_name: c for c in Scorecard.objects.filter(quarter=quarter.label)}


@pytest.mark.parametrize(
    "who, names",
    [
        ("ops", ["Acme", "Globex"]),
        ("cam", ["Acme"]),
        ("other_cam", ["Globex"]),
        ("acme_rep", ["Acme"]),
        ("globex_admin", ["Globex"]),
        ("distri_admin", []),
    ],
)
def test_each_persona_lists_only_its_scorecards(session_for, personas, cards, who, names):
    rows = session_for(personas[who]).get("/api/v1/scorecards/").json()["results"]
    assert sorted(r["partner"]["display_name"] for r in rows) == names


def test_a_scorecard_outside_the_scope_is_404(session_for, acme_admin, cards):
    client = session_for(acme_admin)
    assert client.get(f"/api/v1/scorecards/{cards['Globex'].pk}/").status_code == 404


def test_one_scorecard_with_criteria_and_obligations(session_for, acme_admin, cards, quarter):
    body = session_for(acme_admin).get(f"/api/v1/scorecards/{cards['Acme'].pk}/").json()
    assert (body["quarter"], body["score"], body["health"]) == (quarter.label, "65.2", "amber")
    rows = {r["criterion"]: r for r in body["criteria"]}
    assert rows["sourced_bookings"]["value"] == "52000.00"
    assert rows["customer_satisfaction"]["missing"] is True
    assert body["obligations"]["leads_passed"] == 0


def test_filters_and_a_partner_scoped_key(key_client, acme, cards, quarter):
    client = key_client("scorecards:read", partner=acme)
    rows = client.get(f"/api/v1/scorecards/?quarter={quarter.label}&health=amber").json()
    assert [r["partner"]["display_name"] for r in rows["results"]] == ["Acme"]
    assert client.get("/api/v1/scorecards/?health=purple").status_code == 400
