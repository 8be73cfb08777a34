"""Leads through the API: the partner's inbox and answers, the vendor's creation with routing,
conversion into a registration, idempotency and scope."""

import datetime as dt

import pytest
from django.utils import timezone

from deals.leads.services import accept_lead, offer_lead
from deals.models import DealRegistration, Lead, LeadOffer
from prm.models import IdempotencyRecord

from .api_support import error_of, key_client, session
from .conflict_factories import LeadFactory, LeadOfferFactory, RoutingRuleFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/leads/"


def detail(lead, action=""):
    return f"{LIST}{lead.pk}/" + (f"{action}/" if action else "")


@pytest.fixture
def offered(acme, ops):
    lead = LeadFactory(company_name="Hooli", country="US", created_by=ops)
    offer_lead(lead=lead, partner=acme, actor=ops)
    lead.refresh_from_db()
    return lead


class TestReading:
    def test_partner_inbox_shows_status_and_deadline(self, acme_rep, offered):
        [row] = session(acme_rep).get(LIST).json()["results"]
        assert (row["company_name"], row["status"], row["awaiting_answer"]) == (
            "Hooli",
            "offered",
            True,
        )
        assert row["accept_by"]
        assert row["partner"]["display_name"] == "Acme"

    @pytest.mark.parametrize("who", ["globex_admin", "other_cam"])
    def test_out_of_scope(self, personas, offered, who):
        client = session(personas[who])
        assert client.get(LIST).json()["count"] == 0
        assert client.get(detail(offered)).status_code == 404
        for action in ("accept", "reject", "convert"):
            assert client.post(detail(offered, action), {}, format="json").status_code == 404
        offered.refresh_from_db()
        assert offered.status == "offered"

    def test_offers_show_only_the_callers_side(self, ops, acme_rep, globex, offered):
        LeadOfferFactory(lead=offered, partner=globex, outcome="recalled")
        assert len(session(ops).get(detail(offered, "offers")).json()) == 2
        rows = session(acme_rep).get(detail(offered, "offers")).json()
        assert [r["partner"]["display_name"] for r in rows] == ["Acme"]

    def test_filters(self, ops, offered):
        LeadFactory(company_name="Pied Piper")
        client = session(ops)
        names = {r["company_name"] for r in client.get(LIST, {"status": "new"}).json()["results"]}
        assert names == {"Pied Piper"}
        rows = client.get(LIST, {"search": "hoo"}).json()["results"]
        assert [r["company_name"] for r in rows] == ["Hooli"]

    @pytest.mark.parametrize("who", ["acme_rep", "ops"])
    def test_list_queries_do_not_grow(
        self, personas, acme, ops, who, django_assert_max_num_queries
    ):
        client = session(personas[who])

        def add(n):
            for _ in range(n):
                offer_lead(lead=LeadFactory(created_by=ops), partner=acme, actor=ops)

        add(2)
        with django_assert_max_num_queries(15) as few:
            assert client.get(LIST).status_code == 200
        add(10)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(LIST).json()["count"] == 12


class TestCreate:
    def test_vendor_creates_and_routes(self, ops, acme):
        RoutingRuleFactory()
        response = session(ops).post(
            LIST, {"company_name": "Stark", "country": "US", "route": True}, format="json"
        )
        assert response.status_code == 201, response.json()
        assert (response.json()["status"], response.json()["partner"]["id"]) == ("offered", acme.pk)

    def test_field_errors(self, ops):
        response = session(ops).post(LIST, {"company_name": "", "country": "ZZ"}, format="json")
        assert response.status_code == 400
        assert "company_name" in error_of(response)["details"]
        response = session(ops).post(LIST, {"company_name": "X", "country": "ZZ"}, format="json")
        assert response.status_code == 400
        assert error_of(response)["details"] == {"country": [
            "Use a two-letter ISO country code such as US or DE."
        ]}  # fmt: skip

    @pytest.mark.parametrize("who", ["acme_admin", "distri_admin"])
    def test_partners_cannot_create(self, personas, who):
        response = session(personas[who]).post(
            LIST, {"company_name": "X", "country": "US"}, format="json"
        )
        assert response.status_code == 403
        assert error_of(response)["code"] == "lead_not_allowed"
        assert not Lead.objects.exists()

    def test_idempotent_creation(self, ops):
        crm = key_client(ops, "deals:read", "deals:write")
        payload = {"company_name": "Stark", "country": "US"}
        first = crm.post(LIST, payload, format="json", HTTP_IDEMPOTENCY_KEY="lead-1")
        again = crm.post(LIST, payload, format="json", HTTP_IDEMPOTENCY_KEY="lead-1")
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert Lead.objects.count() == 1
        other = crm.post(
            LIST, {**payload, "company_name": "Wayne"}, format="json", HTTP_IDEMPOTENCY_KEY="lead-1"
        )
        assert other.status_code == 409
        assert error_of(other)["code"] == "idempotency_key_reused"
        assert Lead.objects.count() == 1
        assert IdempotencyRecord.objects.count() == 1


class TestAnswers:
    def test_accept(self, acme_rep, offered):
        response = session(acme_rep).post(detail(offered, "accept"))
        assert response.status_code == 200
        assert response.json()["status"] == "accepted"

    def test_accept_after_the_deadline_is_409(self, acme_rep, offered):
        Lead.objects.filter(pk=offered.pk).update(
            accept_by=timezone.now() - dt.timedelta(minutes=1)
        )
        response = session(acme_rep).post(detail(offered, "accept"))
        assert response.status_code == 409
        assert error_of(response)["code"] == "lead_deadline_passed"

    def test_reject_needs_a_reason(self, acme_admin, offered):
        client = session(acme_admin)
        response = client.post(detail(offered, "reject"), {}, format="json")
        assert response.status_code == 400
        assert "reason" in error_of(response)["details"]
        response = client.post(detail(offered, "reject"), {"reason": "Too far"}, format="json")
        assert response.json()["status"] == "rejected"
        assert LeadOffer.objects.get().reason == "Too far"

    def test_vendor_cannot_answer_for_the_partner(self, cam, offered):
        response = session(cam).post(detail(offered, "accept"))
        assert response.status_code == 403

    def test_convert_an_accepted_lead(self, ops, acme, offered):
        client = key_client(ops, "deals:read", "deals:write", partner=acme)
        accept_lead(lead=offered, actor=acme.memberships.get().user)
        response = client.post(
            detail(offered, "convert"),
            {
                "estimated_amount": "40000.00",
                "currency": "USD",
                "expected_close_date": (timezone.localdate() + dt.timedelta(days=45)).isoformat(),
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        data = response.json()
        assert (data["customer_name"], data["source_lead"], data["status"]) == (
            "Hooli",
            offered.pk,
            "submitted",
        )
        assert DealRegistration.objects.get().source_lead == offered
        lead = session(ops).get(detail(offered)).json()
        assert (lead["status"], lead["registration"]) == ("converted", data["id"])

    def test_convert_refused_before_acceptance(self, acme_rep, offered):
        response = session(acme_rep).post(
            detail(offered, "convert"),
            {"estimated_amount": "1", "currency": "USD", "expected_close_date": "2030-01-01"},
            format="json",
        )
        assert response.status_code == 409
        assert error_of(response)["code"] == "invalid_transition"
        assert not DealRegistration.objects.exists()
