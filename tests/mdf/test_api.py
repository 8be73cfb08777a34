"""The MDF API: tenancy for every persona, the same services as the portal, the
Idempotency-Key on creation, proof upload by content, vendor-only decisions, ops payments."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mdf.claims import services as claims
from mdf.demo import took_place
from mdf.models import FundRequest, MdfPayment
from prm.models import ApiKey

from .conftest import PDF, pdf, today
from .test_claims import PNG

BASE = "/api/v1/mdf"
# A payment is dated from its claim's approval (today, in these tests) to tomorrow.
TODAY = today().isoformat()


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return {row["id"] for row in rows}


@pytest.fixture
def globex_request(globex, globex_admin, ops, webinar, mdf_tiers):
    from mdf.funds import services as funds
    from mdf.requests import services as requests

    from .factories import request_values

    funds.allocate_funds(actor=ops, partner=globex, amount="1000", reason="x")
    return requests.create_request(
        actor=globex_admin, partner=globex, submit=True, **request_values(webinar)
    )


class TestTenancy:
    def test_each_persona_sees_only_its_scope(
        self, session_for, personas, approved_request, globex_request
    ):
        acme_id, globex_id = approved_request.pk, globex_request.pk
        expected = {
            "acme_admin": {acme_id}, "acme_rep": {acme_id}, "globex_admin": {globex_id},
            "distri_admin": set(), "cam": {acme_id}, "other_cam": {globex_id},
            "ops": {acme_id, globex_id},
        }  # fmt: skip
        for name, user in personas.items():
            client = session_for(user)
            assert ids(client.get(f"{BASE}/requests/")) == expected[name], name
            funds = client.get(f"{BASE}/funds/").json()["results"]
            partners = {row["partner"]["id"] for row in funds}
            wanted = {FundRequest.objects.get(pk=i).partner_id for i in expected[name]}
            assert partners == wanted, name

    def test_another_partners_request_is_a_404(self, session_for, globex_admin, approved_request):
        client = session_for(globex_admin)
        assert client.get(f"{BASE}/requests/{approved_request.pk}/").status_code == 404
        answer = client.post(f"{BASE}/requests/{approved_request.pk}/cancel/", {}, format="json")
        assert answer.status_code == 404
        assert client.get(f"{BASE}/balances/{approved_request.partner_id}/").status_code == 404

    def test_proof_files_are_downloadable_only_in_scope(
        self, session_for, claimed_request, acme_rep, cam, globex_admin, other_cam
    ):
        proof = claimed_request.claim.proof_files.get()
        for user in (acme_rep, cam):
            answer = session_for(user).get(f"{BASE}/proof-files/{proof.pk}/download/")
            assert answer.status_code == 200 and b"".join(answer.streaming_content) == PDF
        for user in (globex_admin, other_cam):
            answer = session_for(user).get(f"{BASE}/proof-files/{proof.pk}/download/")
            assert answer.status_code == 404

    def test_the_request_list_does_not_grow_in_queries_with_rows(
        self, session_for, ops, make_request, cam
    ):
        make_request()
        client = session_for(ops)
        with CaptureQueriesContext(connection) as few:
            client.get(f"{BASE}/requests/")
        for _ in range(4):
            make_request()
        with CaptureQueriesContext(connection) as many:
            client.get(f"{BASE}/requests/")
        assert len(many) == len(few)


class TestLifecycle:
    def body(self, webinar):
        start = dt.date.today() + dt.timedelta(days=5)
        return {
            "activity_type": webinar.pk, "title": "API webinar", "starts_on": str(start),
            "ends_on": str(start), "planned_cost": "2000.00", "partner_contribution": "1000.00",
            "requested_amount": "1000.00",
        }  # fmt: skip

    def test_request_approve_claim_and_pay_through_the_api(
        self, session_for, funded_acme, acme_rep, cam, ops, webinar
    ):
        partner = session_for(acme_rep)
        created = partner.post(f"{BASE}/requests/", self.body(webinar), format="json")
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        assert created.json()["status"] == "submitted"

        assert partner.post(f"{BASE}/requests/{pk}/approve/", {}, format="json").status_code == 403
        approved = session_for(cam).post(
            f"{BASE}/requests/{pk}/approve/", {"amount": "800.00"}, format="json"
        )
        assert approved.json()["approved_amount"] == "800.00"

        claim = {"actual_cost": "1800.00", "claimed_amount": "800.00", "leads": 12}
        assert partner.post(f"{BASE}/requests/{pk}/claim/", claim, format="json").status_code == 200
        upload = partner.post(
            f"{BASE}/requests/{pk}/proof/", {"kind": "invoice", "file": pdf()}, format="multipart"
        )
        assert upload.status_code == 201, upload.content
        renamed = partner.post(f"{BASE}/requests/{pk}/proof/",
                               {"kind": "invoice", "file": pdf("fake.pdf", PNG)},
                               format="multipart")  # fmt: skip
        assert renamed.status_code == 400
        assert renamed.json()["error"]["code"] == "proof_rejected"
        early = partner.post(f"{BASE}/requests/{pk}/submit-claim/", {}, format="json")
        assert early.status_code == 400
        assert early.json()["error"]["code"] == "activity_not_over"
        took_place(FundRequest.objects.get(pk=pk), days_ago=0)
        submitted = partner.post(f"{BASE}/requests/{pk}/submit-claim/", {}, format="json")
        assert submitted.json()["status"] == "claim_submitted"
        decided = session_for(cam).post(f"{BASE}/requests/{pk}/approve-claim/", {}, format="json")
        assert decided.json()["claim"]["approved_amount"] == "800.00"

        payment = {"payments": [{"request": pk, "amount": "800.00", "paid_on": TODAY,
                                 "reference": "W-1"}]}  # fmt: skip
        assert session_for(cam).post(f"{BASE}/payments/", payment, format="json").status_code == 403
        paid = session_for(ops).post(f"{BASE}/payments/", payment, format="json")
        assert paid.status_code == 201, paid.content
        balance = partner.get(f"{BASE}/balances/{funded_acme.pk}/").json()
        assert (balance["paid"], balance["available"]) == ("800.00", "4200.00")

    def test_the_idempotency_key_replays_the_first_creation(
        self, session_for, funded_acme, acme_rep, webinar
    ):
        client = session_for(acme_rep)
        first = client.post(f"{BASE}/requests/", self.body(webinar), format="json",
                            HTTP_IDEMPOTENCY_KEY="mdf-1")  # fmt: skip
        again = client.post(f"{BASE}/requests/", self.body(webinar), format="json",
                            HTTP_IDEMPOTENCY_KEY="mdf-1")  # fmt: skip
        assert first.status_code == again.status_code == 201
        assert again["Idempotent-Replayed"] == "true"
        assert FundRequest.objects.count() == 1

    def test_an_ineligible_partner_is_told_why(self, session_for, mdf_tiers, acme, acme_rep,
                                               webinar):  # fmt: skip
        acme.tier = mdf_tiers[0]
        acme.save()
        answer = session_for(acme_rep).post(f"{BASE}/requests/", self.body(webinar), format="json")
        assert answer.status_code == 409
        assert "does not include marketing development funds" in answer.json()["error"]["message"]
        assert not FundRequest.objects.exists()

    def test_a_payment_batch_with_a_bad_line_records_nothing(self, session_for, claimed_request,
                                                             cam, ops):  # fmt: skip
        claims.approve_claim(actor=cam, request=claimed_request)
        batch = {"payments": [
            {"request": claimed_request.pk, "amount": "900.00", "paid_on": TODAY,
             "reference": "W-1"},
            {"request": claimed_request.pk, "amount": "900.00", "paid_on": TODAY,
             "reference": "W-2"},
        ]}  # fmt: skip
        answer = session_for(ops).post(f"{BASE}/payments/", batch, format="json")
        assert answer.status_code == 400
        assert "2" in answer.json()["error"]["details"]["lines"]
        assert not MdfPayment.objects.exists()


class TestKeys:
    def test_a_key_without_the_mdf_scope_is_refused(self, key_client, approved_request):
        client = key_client(ApiKey.Scope.DEALS_READ)
        assert client.get(f"{BASE}/requests/").status_code == 403

    def test_a_partner_bound_key_sees_its_partner_only_and_cannot_decide(
        self, key_client, approved_request, globex_request, make_request
    ):
        client = key_client(
            ApiKey.Scope.MDF_READ, ApiKey.Scope.MDF_WRITE, partner=approved_request.partner
        )
        assert ids(client.get(f"{BASE}/requests/")) == {approved_request.pk}
        pending = make_request()
        answer = client.post(f"{BASE}/requests/{pending.pk}/approve/", {}, format="json")
        assert answer.status_code == 403

    def test_ops_allocate_with_a_reason(self, session_for, ops, acme_rep, mdf_acme):
        body = {"partner": mdf_acme.pk, "amount": "250.00", "reason": "Event sponsorship"}
        assert session_for(acme_rep).post(f"{BASE}/allocations/", body,
                                          format="json").status_code == 403  # fmt: skip
        answer = session_for(ops).post(f"{BASE}/allocations/", body, format="json")
        assert answer.status_code == 201 and answer.json()["kind"] == "allocation"
        assert Decimal(answer.json()["available_after"]) == Decimal("250.00")
