"""Upserts by external id: created when absent, updated when present, the same body again changes
nothing, bad input is a 400 in the API's error shape, and another partner's id stays hidden."""

import datetime as dt

import pytest
from django.utils import timezone

from deals.models import DealRegistration, Lead
from prm.models import AuditEvent
from tests.deals.api_support import error_of, key_client, session
from tests.deals.conflict_factories import LeadFactory

pytestmark = pytest.mark.django_db


def url(external_id, kind="registrations"):
    return f"/api/v1/{kind}/by-external-id/{external_id}/"


def body(**overrides):
    data = {
        "customer_name": "Massive Dynamic",
        "customer_domain": "massivedynamic.example",
        "country": "US",
        "estimated_amount": "120000.00",
        "currency": "USD",
        "expected_close_date": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
    }
    return {**data, **overrides}


class TestRegistrationUpsert:
    def test_creates_when_absent_then_finds_it(self, acme_rep):
        client = session(acme_rep)
        response = client.put(url("CRM-1"), body(), format="json")
        assert response.status_code == 201, response.json()
        data = response.json()
        assert data["external_id"] == "CRM-1"
        assert data["status"] == "submitted"
        assert response["ETag"]
        fetched = client.get(url("CRM-1"))
        assert fetched.status_code == 200
        assert fetched.json()["id"] == data["id"]
        assert fetched["ETag"] == response["ETag"]

    def test_same_body_again_changes_nothing(self, acme_rep):
        client = session(acme_rep)
        first = client.put(url("CRM-2"), body(), format="json")
        events = AuditEvent.objects.count()
        again = client.put(url("CRM-2"), body(), format="json")
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        assert again.json()["updated_at"] == first.json()["updated_at"]
        assert AuditEvent.objects.count() == events
        assert DealRegistration.objects.filter(external_id="CRM-2").count() == 1

    def test_updates_a_draft_through_the_editing_service(self, acme_rep):
        client = session(acme_rep)
        client.put(url("CRM-3"), body(submit=False), format="json")
        response = client.put(
            url("CRM-3"), body(submit=False, estimated_amount="99000"), format="json"
        )
        assert response.status_code == 200
        assert response.json()["estimated_amount"] == "99000.00"
        assert response.json()["status"] == "draft"
        registration = DealRegistration.objects.get(external_id="CRM-3")
        assert AuditEvent.objects.filter(
            object_id=str(registration.pk), verb="deal.updated"
        ).exists()

    def test_change_to_a_registration_under_review_is_refused(self, acme_rep):
        client = session(acme_rep)
        client.put(url("CRM-4"), body(), format="json")
        response = client.put(url("CRM-4"), body(customer_name="Other Name"), format="json")
        assert response.status_code == 409
        assert error_of(response)["code"] == "not_editable"
        assert DealRegistration.objects.get(external_id="CRM-4").customer_name == "Massive Dynamic"

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"country": "ZZZ"}, "country"),
            ({"estimated_amount": "lots"}, "estimated_amount"),
            ({"customer_name": ""}, "customer_name"),
        ],
    )
    def test_invalid_input_is_a_400_and_creates_nothing(self, acme_rep, payload, field):
        response = session(acme_rep).put(url("CRM-5"), body(**payload), format="json")
        assert response.status_code == 400
        assert field in error_of(response)["details"]
        assert not DealRegistration.objects.filter(external_id="CRM-5").exists()

    def test_too_long_external_id_is_a_400(self, acme_rep):
        response = session(acme_rep).put(url("x" * 101), body(), format="json")
        assert response.status_code == 400
        assert error_of(response)["code"] == "invalid_external_id"

    def test_another_partners_id_is_hidden_and_taken(self, acme_rep, globex_admin):
        session(acme_rep).put(url("SHARED"), body(), format="json")
        other = session(globex_admin)
        assert other.get(url("SHARED")).status_code == 404
        response = other.put(url("SHARED"), body(customer_name="Globex Try"), format="json")
        assert response.status_code == 409
        assert error_of(response)["code"] == "external_id_taken"
        assert error_of(response)["details"] == {}
        assert DealRegistration.objects.get(external_id="SHARED").partner.display_name == "Acme"

    def test_partner_key_upserts_for_its_partner(self, ops, acme):
        client = key_client(ops, "deals:read", "deals:write", partner=acme)
        response = client.put(url("KEY-1"), body(), format="json")
        assert response.status_code == 201
        assert response.json()["partner"]["id"] == acme.pk

    def test_read_only_key_cannot_upsert(self, ops, acme):
        client = key_client(ops, "deals:read", partner=acme)
        assert client.put(url("KEY-2"), body(), format="json").status_code == 403


class TestLeadUpsert:
    def lead_body(self, **overrides):
        return {"company_name": "Initech", "country": "US", **overrides}

    def test_create_update_repeat(self, ops):
        client = session(ops)
        created = client.put(url("L-1", "leads"), self.lead_body(), format="json")
        assert created.status_code == 201
        assert created.json()["external_id"] == "L-1"
        updated = client.put(url("L-1", "leads"), self.lead_body(industry="Fintech"), format="json")
        assert updated.status_code == 200
        assert updated.json()["industry"] == "Fintech"
        events = AuditEvent.objects.count()
        again = client.put(url("L-1", "leads"), self.lead_body(industry="Fintech"), format="json")
        assert again.status_code == 200
        assert AuditEvent.objects.count() == events

    def test_an_offered_lead_keeps_its_details(self, ops, acme):
        LeadFactory(partner=acme, status="offered", external_id="L-2", company_name="Initech")
        client = session(ops)
        response = client.put(url("L-2", "leads"), self.lead_body(industry="Other"), format="json")
        assert response.status_code == 409
        assert error_of(response)["code"] == "lead_not_editable"
        assert client.put(url("L-2", "leads"), self.lead_body(), format="json").status_code == 200

    def test_partners_cannot_upsert_leads(self, acme_rep):
        response = session(acme_rep).put(url("L-3", "leads"), self.lead_body(), format="json")
        assert response.status_code == 403
        assert not Lead.objects.filter(external_id="L-3").exists()

    def test_tenancy_of_lookup(self, acme_rep, globex_admin, acme):
        LeadFactory(partner=acme, status="offered", external_id="L-4")
        assert session(acme_rep).get(url("L-4", "leads")).status_code == 200
        assert session(globex_admin).get(url("L-4", "leads")).status_code == 404


class TestPartnerExternalId:
    def test_ops_link_and_find(self, ops, acme, globex_admin, acme_rep):
        client = session(ops)
        response = client.post(
            f"/api/v1/partners/{acme.pk}/external-id/", {"external_id": "ACC-9"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["external_id"] == "ACC-9"
        assert client.get("/api/v1/partners/by-external-id/ACC-9/").json()["id"] == acme.pk
        assert session(acme_rep).get("/api/v1/partners/by-external-id/ACC-9/").status_code == 200
        assert (
            session(globex_admin).get("/api/v1/partners/by-external-id/ACC-9/").status_code == 404
        )

    def test_partner_users_cannot_link(self, acme_admin, acme):
        response = session(acme_admin).post(
            f"/api/v1/partners/{acme.pk}/external-id/", {"external_id": "X"}, format="json"
        )
        assert response.status_code == 403

    def test_duplicate_is_a_409(self, ops, acme, globex):
        client = session(ops)
        client.post(f"/api/v1/partners/{acme.pk}/external-id/", {"external_id": "D"}, format="json")
        response = client.post(
            f"/api/v1/partners/{globex.pk}/external-id/", {"external_id": "D"}, format="json"
        )
        assert response.status_code == 409
        assert error_of(response)["code"] == "external_id_taken"
