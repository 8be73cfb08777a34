"""The tier review API: ops read reviews and proposals and decide with the same services;
partners read their own outcomes; everyone else gets 404s or empty lists."""

import pytest

from prm.models import ApiKey
from scorecards.models import TierProposal
from scorecards.review import decisions, services


@pytest.fixture
def done_review(ops, quarter, make_partner, cam):
    up = make_partner("registered", sales=3, technical=2, developers=2, name="Upward", cam=cam)
    review = services.run_review(
        services.start_review(quarter=quarter.label, actor=ops, queue=False).pk
    )
    return review, up, review.proposals.get(partner=up)


def test_ops_read_reviews_and_proposals(session_for, ops, done_review):
    review, up, proposal = done_review
    client = session_for(ops)
    reviews = client.get("/api/v1/tier-reviews/").json()
    assert reviews["results"][0]["quarter"] == review.quarter
    assert reviews["results"][0]["percent"] == 100
    rows = client.get(f"/api/v1/tier-proposals/?review={review.pk}&action=promote").json()
    assert [r["partner"]["display_name"] for r in rows["results"]] == ["Upward"]
    one = client.get(f"/api/v1/tier-proposals/{proposal.pk}/").json()
    assert one["proposed_tier"]["name"] == "Gold" and one["reasons"]


def test_decide_and_apply_through_the_api(session_for, ops, done_review, program):
    _review, up, proposal = done_review
    client = session_for(ops)
    url = f"/api/v1/tier-proposals/{proposal.pk}/"
    refused = client.post(url + "apply/", {}, format="json")
    assert refused.status_code == 409
    assert "Approve or override" in refused.json()["error"]["message"]
    no_reason = client.post(url + "decision/", {"approve": False}, format="json")
    assert no_reason.status_code == 400
    answer = client.post(
        url + "decision/",
        {"approve": False, "reason": "Silver first", "tier": program["silver"].pk},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["decision"] == "overridden"
    applied = client.post(url + "apply/", {"effective_on": "2031-01-01"}, format="json")
    assert applied.status_code == 200 and applied.json()["effective_on"] == "2031-01-01"
    up.refresh_from_db()
    assert up.tier == program["silver"]


@pytest.mark.parametrize("persona", ["acme_admin", "globex_admin", "other_cam"])
def test_others_see_no_reviews_and_cannot_decide(session_for, personas, persona, done_review):
    _review, _up, proposal = done_review
    client = session_for(personas[persona])
    assert client.get("/api/v1/tier-reviews/").json()["results"] == []
    answer = client.post(
        f"/api/v1/tier-proposals/{proposal.pk}/decision/", {"approve": True}, format="json"
    )
    assert answer.status_code == 404


def test_the_cam_reads_but_cannot_decide(session_for, cam, done_review):
    _review, _up, proposal = done_review
    client = session_for(cam)
    assert client.get(f"/api/v1/tier-proposals/{proposal.pk}/").status_code == 200
    answer = client.post(
        f"/api/v1/tier-proposals/{proposal.pk}/decision/", {"approve": True}, format="json"
    )
    assert answer.status_code == 403


def test_a_partner_reads_its_own_history_once_applied(session_for, ops, done_review, globex_admin):
    _review, up, proposal = done_review
    member = up.memberships.get(role="admin").user
    client = session_for(member)
    url = f"/api/v1/partners/{up.pk}/tier-proposals/"
    assert client.get(url).json()["results"] == []
    decisions.decide_proposal(proposal=proposal, actor=ops, approve=True)
    decisions.apply_proposals(proposals=[proposal], actor=ops)
    rows = client.get(url).json()["results"]
    assert [(r["action"], r["proposed_tier"]["name"]) for r in rows] == [("promote", "Gold")]
    assert session_for(globex_admin).get(url).status_code == 404


def test_a_read_key_cannot_decide(key_client, done_review):
    _review, _up, proposal = done_review
    client = key_client(ApiKey.Scope.SCORECARDS_READ)
    assert client.get(f"/api/v1/tier-proposals/{proposal.pk}/").status_code == 200
    answer = client.post(
        f"/api/v1/tier-proposals/{proposal.pk}/decision/", {"approve": True}, format="json"
    )
    assert answer.status_code == 403
    assert TierProposal.objects.get(pk=proposal.pk).decision == "pending"
