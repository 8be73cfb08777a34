"""The portal's remaining deal and lead actions through the API: editing, bulk registration with
per-item results, extension decisions, closing, offering and routing leads; each scoped."""

import datetime as dt

import pytest
from django.utils import timezone

from deals.models import DealRegistration, ExtensionRequest, Lead, LeadRoutingRule
from tests.deals.api_support import error_of, session
from tests.deals.conflict_factories import LeadFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def item(name, **overrides):
    return {
        "customer_name": name,
        "country": "US",
        "estimated_amount": "5000",
        "currency": "USD",
        "expected_close_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        **overrides,
    }


class TestEdit:
    def test_partner_edits_a_draft(self, acme, acme_rep):
        deal = RegistrationFactory(partner=acme, registered_by=acme_rep, status="draft")
        response = session(acme_rep).patch(
            f"/api/v1/registrations/{deal.pk}/", {"notes": "More detail"}, format="json"
        )
        assert response.status_code == 200
        deal.refresh_from_db()
        assert deal.notes == "More detail"

    def test_under_review_is_refused(self, acme, acme_rep):
        deal = RegistrationFactory(partner=acme, registered_by=acme_rep, status="submitted")
        response = session(acme_rep).patch(
            f"/api/v1/registrations/{deal.pk}/", {"notes": "x"}, format="json"
        )
        assert response.status_code == 409
        assert error_of(response)["code"] == "not_editable"

    def test_other_partner_gets_404(self, acme, acme_rep, globex_admin):
        deal = RegistrationFactory(partner=acme, registered_by=acme_rep, status="draft")
        response = session(globex_admin).patch(
            f"/api/v1/registrations/{deal.pk}/", {"notes": "x"}, format="json"
        )
        assert response.status_code == 404


class TestBulk:
    def test_results_per_item(self, acme, acme_rep):
        body = {
            "items": [
                item("One", external_ref="R1"),
                item("Two", external_ref="R1"),  # duplicate reference within the batch
                item("Three", country="ZZ"),
            ]
        }
        response = session(acme_rep).post("/api/v1/registrations/bulk/", body, format="json")
        assert response.status_code == 200, response.json()
        data = response.json()
        assert (data["created"], data["failed"]) == (1, 2)
        outcomes = [(r["index"], r["outcome"]) for r in data["results"]]
        assert outcomes == [(0, "created"), (1, "failed"), (2, "failed")]
        assert data["results"][1]["error"]["code"] == "duplicate_registration"
        assert data["results"][2]["error"]["code"] == "invalid_deal_data"
        assert data["results"][0]["registration"]["status"] == "submitted"
        assert list(DealRegistration.objects.values_list("customer_name", flat=True)) == ["One"]

    def test_cannot_register_for_another_partner(self, acme_rep, globex):
        body = {"partner": globex.pk, "items": [item("X")]}
        response = session(acme_rep).post("/api/v1/registrations/bulk/", body, format="json")
        assert response.status_code == 400
        assert not DealRegistration.objects.exists()

    def test_bad_shape_applies_nothing(self, acme_rep):
        body = {"items": [item("Fine"), {"customer_name": "No fields"}]}
        response = session(acme_rep).post("/api/v1/registrations/bulk/", body, format="json")
        assert response.status_code == 400
        assert not DealRegistration.objects.exists()


class TestExtensionDecision:
    def test_cam_decides_and_other_cam_cannot(self, acme, acme_rep, cam, other_cam):
        deal = RegistrationFactory(
            partner=acme,
            registered_by=acme_rep,
            status="approved",
            protected_until=timezone.now() + dt.timedelta(days=5),
        )
        extension = ExtensionRequest.objects.create(
            registration=deal, requested_by=acme_rep, reason="Procurement delay"
        )
        url = f"/api/v1/registrations/extensions/{extension.pk}/decide/"
        assert session(other_cam).post(url, {"approve": True}, format="json").status_code == 404
        assert session(acme_rep).post(url, {"approve": True}, format="json").status_code == 404
        response = session(cam).post(url, {"approve": True}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "approved"


class TestLeadActions:
    def test_close(self, ops):
        lead = LeadFactory()
        response = session(ops).post(
            f"/api/v1/leads/{lead.pk}/close/", {"reason": "Duplicate"}, format="json"
        )
        assert response.status_code == 200
        assert Lead.objects.get(pk=lead.pk).status == "closed"

    def test_offer_by_hand_and_tenancy(self, cam, other_cam, acme, globex):
        lead = LeadFactory(created_by=cam)
        # The other CAM does not see the lead, nor may offer to a partner that is not theirs.
        response = session(other_cam).post(
            f"/api/v1/leads/{lead.pk}/offer/", {"partner": acme.pk}, format="json"
        )
        assert response.status_code in (403, 404)
        response = session(cam).post(
            f"/api/v1/leads/{lead.pk}/offer/", {"partner": acme.pk}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "offered"
        assert response.json()["partner"]["id"] == acme.pk

    def test_route_through_the_rules(self, ops, acme):
        LeadRoutingRule.objects.create(name="US", countries=["US"], priority=1)
        lead = LeadFactory(country="US")
        response = session(ops).post(f"/api/v1/leads/{lead.pk}/route/")
        assert response.status_code == 200
        assert response.json()["status"] in ("offered", "new")

    def test_partners_cannot_close_or_route(self, acme, acme_rep):
        lead = LeadFactory(partner=acme, status="offered")
        client = session(acme_rep)
        assert client.post(f"/api/v1/leads/{lead.pk}/close/", {"reason": "x"}).status_code == 403
        assert client.post(f"/api/v1/leads/{lead.pk}/route/").status_code in (403, 409)
        assert Lead.objects.get(pk=lead.pk).status == "offered"
