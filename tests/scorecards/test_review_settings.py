"""Program ops set the tier review's policy in the portal's program area and through the API:
read, changed with an audit row of before and after, refused with field errors, and applied by
the next review."""

import pytest
from django.urls import reverse

from prm.audit import events_for
from scorecards.models import TierProposal, TierReviewSettings
from scorecards.review import services
from tests.api.assertions import error_of

pytestmark = pytest.mark.django_db

PAGE = reverse("program:review_settings")
API = "/api/v1/tier-review-settings/"
DEFAULTS = {
    "certification_weight": 3,
    "reference_weight": 2,
    "revenue_weight": 1,
    "deals_weight": 1,
    "qualifying_percent": 75,
    "certifications_required": True,
    "grace_reviews": 1,
    "auto_apply_promotions": False,
}


def _form(**changes) -> dict:
    values = {**DEFAULTS, **changes}
    return {k: ("on" if v is True else v) for k, v in values.items() if v is not False}


def test_ops_change_the_policy_on_its_page_with_an_audit_row(client_for, ops):
    client = client_for(ops)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Tier review policy" in page.content.decode()
    response = client.post(PAGE, _form(grace_reviews=2, auto_apply_promotions=True))
    assert response.status_code == 302
    settings_row = TierReviewSettings.current()
    assert (settings_row.grace_reviews, settings_row.auto_apply_promotions) == (2, True)
    event = events_for(settings_row).get()
    assert (event.verb, event.actor) == ("tier_review_settings.changed", ops)
    assert event.data["changes"] == {
        "auto_apply_promotions": {"before": False, "after": True},
        "grace_reviews": {"before": 1, "after": 2},
    }
    # The page shows the change in its history; saving the same values again records nothing.
    history = client.get(PAGE).content.decode()
    assert "tier_review_settings.changed" in history and "grace_reviews" in history
    client.post(PAGE, _form(grace_reviews=2, auto_apply_promotions=True))
    assert events_for(settings_row).count() == 1


def test_a_value_out_of_range_is_a_form_error_and_nothing_changes(client_for, ops):
    response = client_for(ops).post(PAGE, _form(qualifying_percent=120, grace_reviews=9))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "qualifying_percent" in errors and "grace_reviews" in errors
    assert TierReviewSettings.current().qualifying_percent == 75
    assert not events_for(TierReviewSettings.current()).exists()


@pytest.mark.parametrize("who", ["cam", "acme_admin", "acme_rep"])
def test_only_ops_reach_the_page(client_for, personas, who):
    client = client_for(personas[who])
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, _form(grace_reviews=3)).status_code == 403
    assert TierReviewSettings.current().grace_reviews == 1


def test_the_program_area_links_the_policy(client_for, ops):
    body = client_for(ops).get(reverse("program:index")).content.decode()
    assert f'href="{PAGE}"' in body
    # The links to the program's other settings are on the page once, not in its title.
    assert "<title>Program configuration · Partner Portal</title>" in body
    assert body.count("Elsewhere in the program") == 1


def test_ops_read_and_change_it_through_the_api(session_for, ops):
    client = session_for(ops)
    assert client.get(API).json() == DEFAULTS
    response = client.patch(API, {"qualifying_percent": 60}, format="json")
    assert response.status_code == 200
    assert response.json() == {**DEFAULTS, "qualifying_percent": 60}
    assert TierReviewSettings.current().qualifying_percent == 60
    assert client.patch(API, {}, format="json").json()["qualifying_percent"] == 60
    assert events_for(TierReviewSettings.current()).count() == 1  # the empty change: none


def test_the_api_refuses_a_value_out_of_range_as_json(session_for, ops):
    response = session_for(ops).patch(API, {"grace_reviews": 9}, format="json")
    assert response.status_code == 400
    assert "grace_reviews" in error_of(response)["details"]
    assert TierReviewSettings.current().grace_reviews == 1


@pytest.mark.parametrize("who", ["cam", "acme_admin"])
def test_only_ops_use_the_api(session_for, personas, key_client, acme, who):
    client = session_for(personas[who])
    assert client.get(API).status_code == 403
    assert client.patch(API, {"grace_reviews": 2}, format="json").status_code == 403
    bound = key_client("program:read", "program:write", partner=acme)
    assert bound.patch(API, {"grace_reviews": 2}, format="json").status_code == 403
    assert TierReviewSettings.current().grace_reviews == 1


def test_the_next_review_applies_the_policy(client_for, ops, quarter, make_partner, program):
    # Silver asks for 2 certified sales people and 1 technical person (each weight 3, times the
    # certification weight 3) and revenue (1 × 1): a partner with the people but not the revenue
    # meets 18 of 19 weighted points (94.7%), enough at 75% but not at 95%.
    partner = make_partner("registered", sales=2, technical=1)
    client_for(ops).post(PAGE, _form(qualifying_percent=95))
    review = services.run_review(
        services.start_review(quarter=quarter.label, actor=ops, queue=False).pk
    )
    proposal = TierProposal.objects.get(review=review, partner=partner)
    assert proposal.action == TierProposal.Action.HOLD
    assert proposal.metrics["tiers"]["Silver"]["score"] == "94.7"
