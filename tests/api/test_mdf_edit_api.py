# ruff: noqa: F811  (the MDF fixtures imported below are used as test arguments)
"""MDF writes the portal has and the API gained: changing a draft or returned request (PATCH)
and removing a proof file from a claim that is still with the partner (DELETE)."""

from decimal import Decimal

import pytest

from mdf.claims import services as claims
from mdf.models import FundRequest, ProofFile, ProofKind
from mdf.requests import services as requests
from prm.audit import events_for
from tests.mdf.conftest import (  # noqa: F401
    approved_request,
    claimed_request,
    funded_acme,
    make_request,
    mdf_acme,
    mdf_tiers,
    pdf,
    webinar,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/mdf"


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.fixture
def draft(make_request):
    return make_request(submit=False)


@pytest.fixture
def draft_claim(approved_request, acme_rep):
    """An approved request whose claim is saved with one invoice, not yet submitted."""
    claim = claims.save_claim(
        actor=acme_rep, request=approved_request, actual_cost="1800.00",
        claimed_amount="900.00", leads=3, pipeline="100.00",
    )  # fmt: skip
    return claims.add_proof(actor=acme_rep, claim=claim, kind=ProofKind.INVOICE, upload=pdf())


class TestRequestEdit:
    def test_the_partner_changes_a_draft_through_the_service(self, session_for, acme_rep, draft):
        answer = session_for(acme_rep).patch(
            f"{BASE}/requests/{draft.pk}/",
            {
                "title": "Autumn webinar",
                "requested_amount": "800.00",
                "partner_contribution": "1200.00",
            },
            format="json",
        )
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert (body["title"], body["status"]) == ("Autumn webinar", "draft")
        draft.refresh_from_db()
        assert (draft.title, draft.requested_amount) == ("Autumn webinar", Decimal("800.00"))
        changed = events_for(draft).filter(verb="mdf.request_changed").get()
        assert changed.actor == acme_rep
        assert set(changed.data["fields"]) == {"title", "requested_amount", "partner_contribution"}

    def test_a_returned_request_may_be_changed_and_submitted_again(
        self, session_for, acme_rep, cam, make_request
    ):
        returned = requests.return_request(actor=cam, request=make_request(), reason="Less")
        client = session_for(acme_rep)
        answer = client.patch(
            f"{BASE}/requests/{returned.pk}/",
            {"requested_amount": "500.00", "partner_contribution": "1500.00"},
            format="json",
        )
        assert answer.status_code == 200, answer.content
        assert client.post(f"{BASE}/requests/{returned.pk}/submit/").json()["status"] == (
            "submitted"
        )

    def test_bad_values_are_a_400_and_change_nothing(self, session_for, acme_rep, draft):
        client = session_for(acme_rep)
        answer = client.patch(
            f"{BASE}/requests/{draft.pk}/", {"planned_cost": "lots"}, format="json"
        )
        assert answer.status_code == 400
        assert "planned_cost" in error_of(answer)["details"]
        # The service's own rule (the contribution and the amount cover the cost) answers 400.
        answer = client.patch(
            f"{BASE}/requests/{draft.pk}/", {"partner_contribution": "0.00"}, format="json"
        )
        assert answer.status_code == 400, answer.content
        assert "partner_contribution" in error_of(answer)["details"]
        draft.refresh_from_db()
        assert draft.partner_contribution == Decimal("1000.00")
        assert not events_for(draft).filter(verb="mdf.request_changed").exists()

    def test_a_submitted_request_is_not_editable(self, session_for, acme_rep, make_request):
        submitted = make_request()
        answer = session_for(acme_rep).patch(
            f"{BASE}/requests/{submitted.pk}/", {"title": "Late change"}, format="json"
        )
        assert answer.status_code == 400
        assert error_of(answer)["code"] == "invalid_mdf_data"
        submitted.refresh_from_db()
        assert submitted.title == "Spring webinar"

    def test_the_vendor_side_may_not_change_it(self, session_for, cam, ops, draft):
        for user in (cam, ops):
            answer = session_for(user).patch(
                f"{BASE}/requests/{draft.pk}/", {"title": "Vendor edit"}, format="json"
            )
            assert answer.status_code == 403, user
            assert error_of(answer)["code"] == "mdf_not_allowed"
        assert FundRequest.objects.get(pk=draft.pk).title == "Spring webinar"

    def test_another_partner_gets_a_404(self, session_for, key_client, globex, globex_admin, draft):
        answers = [
            session_for(globex_admin).patch(
                f"{BASE}/requests/{draft.pk}/", {"title": "Hijack"}, format="json"
            ),
            key_client("mdf:read", "mdf:write", partner=globex).patch(
                f"{BASE}/requests/{draft.pk}/", {"title": "Hijack"}, format="json"
            ),
        ]
        assert [a.status_code for a in answers] == [404, 404]
        assert FundRequest.objects.get(pk=draft.pk).title == "Spring webinar"

    def test_a_partner_key_needs_the_write_scope(self, key_client, funded_acme, draft):
        url = f"{BASE}/requests/{draft.pk}/"
        assert key_client("mdf:read", partner=funded_acme).patch(
            url, {"title": "x"}
        ).status_code == (403)
        answer = key_client("mdf:read", "mdf:write", partner=funded_acme).patch(
            url, {"title": "From the CRM"}, format="json"
        )
        assert answer.status_code == 200, answer.content
        assert answer.json()["title"] == "From the CRM"


class TestProofRemove:
    def test_the_partner_removes_proof_while_the_claim_is_editable(
        self, session_for, acme_rep, draft_claim
    ):
        answer = session_for(acme_rep).delete(f"{BASE}/proof-files/{draft_claim.pk}/")
        assert answer.status_code == 204
        assert not ProofFile.objects.filter(pk=draft_claim.pk).exists()
        request = draft_claim.claim.request
        removed = events_for(request).filter(verb="mdf.proof_removed").get()
        assert (removed.actor, removed.data["name"]) == (acme_rep, "invoice.pdf")

    def test_proof_of_a_submitted_claim_stays(self, session_for, acme_rep, claimed_request):
        proof = claimed_request.claim.proof_files.get()
        answer = session_for(acme_rep).delete(f"{BASE}/proof-files/{proof.pk}/")
        assert answer.status_code == 400
        assert error_of(answer)["code"] == "claim_error"
        assert ProofFile.objects.filter(pk=proof.pk).exists()

    def test_the_vendor_side_sees_but_may_not_remove(self, session_for, cam, ops, draft_claim):
        for user in (cam, ops):
            answer = session_for(user).delete(f"{BASE}/proof-files/{draft_claim.pk}/")
            assert answer.status_code == 403, user
        assert ProofFile.objects.filter(pk=draft_claim.pk).exists()

    def test_another_partner_gets_a_404(self, session_for, key_client, globex, globex_admin,
                                        draft_claim):  # fmt: skip
        url = f"{BASE}/proof-files/{draft_claim.pk}/"
        assert session_for(globex_admin).delete(url).status_code == 404
        assert key_client("mdf:read", "mdf:write", partner=globex).delete(url).status_code == 404
        assert ProofFile.objects.filter(pk=draft_claim.pk).exists()

    def test_a_partner_key_removes_with_the_write_scope(self, key_client, funded_acme,
                                                        draft_claim):  # fmt: skip
        url = f"{BASE}/proof-files/{draft_claim.pk}/"
        assert key_client("mdf:read", partner=funded_acme).delete(url).status_code == 403
        assert key_client("mdf:read", "mdf:write", partner=funded_acme).delete(url).status_code == (
            204
        )
