"""Deal registrations through the API: scope, filters, creation with Idempotency-Key, the
lifecycle actions, the CRM's outcome push and error shapes."""

import datetime as dt

import pytest
from django.utils import timezone

from deals.models import DealRegistration
from prm.models import IdempotencyRecord

from .api_support import error_of, key_client, session
from .conflict_factories import RegistrationFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/registrations/"


def detail(pk, action=""):
    return f"/api/v1/registrations/{pk}/" + (f"{action}/" if action else "")


def body(**overrides):
    data = {
        "customer_name": "Massive Dynamic",
        "customer_domain": "massivedynamic.example",
        "contact_email": "cio@massivedynamic.example",
        "country": "US",
        "estimated_amount": "120000.00",
        "currency": "USD",
        "expected_close_date": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
    }
    return {**data, **overrides}


@pytest.fixture
def acme_deal(acme, acme_rep):
    return RegistrationFactory(partner=acme, registered_by=acme_rep, customer_name="Acme Deal")


@pytest.fixture
def globex_deal(globex, globex_admin):
    return RegistrationFactory(partner=globex, registered_by=globex_admin, customer_name="Gx Deal")


class TestReading:
    def test_each_persona_lists_its_scope(self, personas, acme_deal, globex_deal):
        def names(who):
            response = session(personas[who]).get(LIST)
            assert response.status_code == 200
            return {row["customer_name"] for row in response.json()["results"]}

        assert names("acme_rep") == names("distri_admin") == names("cam") == {"Acme Deal"}
        assert names("globex_admin") == names("other_cam") == {"Gx Deal"}
        assert names("ops") == {"Acme Deal", "Gx Deal"}

    def test_out_of_scope_retrieve_is_404(self, globex_admin, acme_deal):
        response = session(globex_admin).get(detail(acme_deal.pk))
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"

    def test_retrieve_shape(self, acme_rep, acme_deal):
        data = session(acme_rep).get(detail(acme_deal.pk)).json()
        assert data["partner"] == {"id": acme_deal.partner_id, "display_name": "Acme"}
        assert data["estimated_amount"] == "10000.00"
        assert data["status"] == "submitted"

    def test_filters_and_search(self, ops, acme, acme_deal, globex_deal):
        RegistrationFactory(partner=acme, customer_name="Old Draft", status="draft")
        old = RegistrationFactory(partner=acme, customer_name="Ancient")
        DealRegistration.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - dt.timedelta(days=400)
        )
        client = session(ops)

        def names(**params):
            return {r["customer_name"] for r in client.get(LIST, params).json()["results"]}

        assert names(status="draft") == {"Old Draft"}
        assert names(partner=globex_deal.partner_id) == {"Gx Deal"}
        assert names(search="gx") == {"Gx Deal"}
        assert names(search="de") == {"Acme Deal", "Gx Deal"}  # the start of a word
        assert names(search="dr") == {"Old Draft"}
        assert names(search="ea") == set()  # not inside a word: "eal" is
        assert names(search="eal") == {"Acme Deal", "Gx Deal"}
        cutoff = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
        assert "Ancient" not in names(created_from=cutoff)
        assert names(created_to=cutoff) == {"Ancient"}

    @pytest.mark.parametrize("who", ["acme_rep", "ops"])
    def test_list_queries_do_not_grow(
        self, personas, acme, acme_rep, who, django_assert_max_num_queries
    ):
        client = session(personas[who])
        RegistrationFactory.create_batch(2, partner=acme, registered_by=acme_rep)
        with django_assert_max_num_queries(15) as few:
            assert client.get(LIST).status_code == 200
        RegistrationFactory.create_batch(12, partner=acme, registered_by=acme_rep)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert len(client.get(LIST).json()["results"]) == 14

    def test_pages(self, ops, acme):
        RegistrationFactory.create_batch(3, partner=acme)
        data = session(ops).get(LIST, {"page_size": 2}).json()
        assert data["count"] == 3 and len(data["results"]) == 2 and data["next"]


class TestCreate:
    def test_partner_registers_and_submits(self, acme_rep, acme):
        response = session(acme_rep).post(LIST, body(), format="json")
        assert response.status_code == 201, response.json()
        data = response.json()
        assert (data["status"], data["partner"]["id"]) == ("submitted", acme.pk)
        assert data["customer_domain"] == "massivedynamic.example"

    def test_a_draft_when_asked(self, acme_rep):
        response = session(acme_rep).post(LIST, body(submit=False), format="json")
        assert response.json()["status"] == "draft"

    def test_a_partner_bound_key_registers_for_its_partner(self, ops, acme):
        client = key_client(ops, "deals:read", "deals:write", partner=acme)
        response = client.post(LIST, body(), format="json")
        assert response.status_code == 201
        assert DealRegistration.objects.get().partner == acme

    def test_a_read_only_key_cannot_register(self, ops, acme):
        client = key_client(ops, "deals:read", partner=acme)
        response = client.post(LIST, body(), format="json")
        assert response.status_code == 403
        assert "deals:write" in error_of(response)["message"]
        assert client.get(LIST).status_code == 200

    def test_validation_errors_name_the_fields(self, acme_rep):
        response = session(acme_rep).post(
            LIST, body(estimated_amount="-1", expected_close_date="soon"), format="json"
        )
        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "invalid"
        assert {"estimated_amount", "expected_close_date"} <= set(error["details"])

    def test_service_refusals_have_the_same_shape(self, acme_rep):
        response = session(acme_rep).post(LIST, body(country="XX"), format="json")
        assert response.status_code == 400
        assert "country" in error_of(response)["details"]

    def test_partner_must_be_named_by_a_distributor(self, distri_admin, acme):
        client = session(distri_admin)
        response = client.post(LIST, body(), format="json")
        assert response.status_code == 400
        assert "partner" in error_of(response)["details"]
        response = client.post(LIST, body(partner=acme.pk), format="json")
        assert response.status_code == 201
        assert response.json()["distributor"]["display_name"] == "Distri"

    def test_vendor_staff_cannot_register(self, cam):
        response = session(cam).post(LIST, body(), format="json")
        assert response.status_code == 400
        assert not DealRegistration.objects.exists()


class TestIdempotency:
    def test_same_key_and_body_replays_the_first_answer(self, acme_rep):
        client = session(acme_rep)
        first = client.post(LIST, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        again = client.post(LIST, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
        assert DealRegistration.objects.count() == 1
        assert IdempotencyRecord.objects.count() == 1

    def test_same_key_other_body_is_409(self, acme_rep):
        client = session(acme_rep)
        client.post(LIST, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        response = client.post(
            LIST, body(customer_name="Other"), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )
        assert response.status_code == 409
        assert error_of(response)["code"] == "idempotency_key_reused"
        assert DealRegistration.objects.count() == 1

    def test_without_a_key_each_request_creates(self, acme_rep):
        client = session(acme_rep)
        client.post(LIST, body(), format="json")
        client.post(LIST, body(customer_name="Second"), format="json")
        assert DealRegistration.objects.count() == 2

    def test_a_refused_request_is_not_remembered(self, acme_rep):
        client = session(acme_rep)
        bad = client.post(LIST, body(country="XX"), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        assert bad.status_code == 400
        assert not IdempotencyRecord.objects.exists()
        good = client.post(LIST, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
        assert good.status_code == 201


class TestLifecycle:
    def test_cam_approves(self, cam, acme_deal):
        response = session(cam).post(detail(acme_deal.pk, "approve"), {}, format="json")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "approved"
        assert response.json()["protected_until"]

    def test_partner_cannot_approve_its_own_deal(self, acme_admin, acme_deal):
        response = session(acme_admin).post(detail(acme_deal.pk, "approve"), {}, format="json")
        assert response.status_code == 403
        assert error_of(response)["code"] == "deal_not_allowed"

    def test_another_cam_gets_404(self, other_cam, acme_deal):
        response = session(other_cam).post(detail(acme_deal.pk, "approve"), {}, format="json")
        assert response.status_code == 404

    def test_reject_needs_a_reason(self, cam, acme_deal):
        client = session(cam)
        response = client.post(detail(acme_deal.pk, "reject"), {}, format="json")
        assert response.status_code == 400
        assert "reason" in error_of(response)["details"]
        response = client.post(detail(acme_deal.pk, "reject"), {"reason": "Dup"}, format="json")
        assert response.json()["status"] == "rejected"

    def test_more_info_then_resubmit(self, cam, acme_rep, acme_deal):
        response = session(cam).post(
            detail(acme_deal.pk, "request-more-info"), {"reason": "Which products?"}, format="json"
        )
        assert response.json()["status"] == "more_info"
        response = session(acme_rep).post(detail(acme_deal.pk, "submit"))
        assert response.json()["status"] == "submitted"

    def test_withdraw(self, acme_rep, acme_deal):
        response = session(acme_rep).post(detail(acme_deal.pk, "withdraw"), {}, format="json")
        assert response.json()["status"] == "withdrawn"

    def test_an_invalid_transition_is_409(self, acme_rep, acme_deal):
        client = session(acme_rep)
        client.post(detail(acme_deal.pk, "withdraw"), {}, format="json")
        response = client.post(detail(acme_deal.pk, "submit"))
        assert response.status_code == 409
        assert error_of(response)["code"] == "invalid_transition"

    def test_crm_pushes_the_outcome(self, ops, acme):
        deal = RegistrationFactory(partner=acme, status="approved")
        crm = key_client(ops, "deals:read", "deals:write")  # the vendor's CRM: an ops principal
        response = crm.post(
            detail(deal.pk, "outcome"),
            {
                "outcome": "won",
                "closed_amount": "98000.00",
                "closed_on": timezone.localdate().isoformat(),
                "closed_products": ["Platform"],
                "discount_amount": "2000.00",
                "cost_amount": "50000.00",
            },
            format="json",
        )
        assert response.status_code == 200, response.json()
        data = response.json()
        assert (data["status"], data["closed_amount"], data["closed_products"]) == (
            "won",
            "98000.00",
            ["Platform"],
        )

    def test_lost_needs_a_reason(self, acme_rep, acme):
        deal = RegistrationFactory(partner=acme, status="approved")
        response = session(acme_rep).post(
            detail(deal.pk, "outcome"), {"outcome": "lost"}, format="json"
        )
        assert response.status_code == 400
        assert "lost_reason" in error_of(response)["details"]

    def test_extension_request(self, acme_rep, acme):
        deal = RegistrationFactory(partner=acme, status="approved")
        response = session(acme_rep).post(
            detail(deal.pk, "extension"), {"reason": "Board meets next month"}, format="json"
        )
        assert response.status_code == 201, response.json()
        assert response.json()["status"] == "pending"


@pytest.mark.parametrize(
    "action",
    ["", "submit", "withdraw", "approve", "reject", "request-more-info", "outcome", "extension",
     "conflicts"],
)  # fmt: skip
@pytest.mark.parametrize("who", ["globex_admin", "other_cam"])
def test_every_registration_endpoint_is_404_outside_the_scope(personas, acme_deal, action, who):
    client = session(personas[who])
    if action in ("", "conflicts"):
        response = client.get(detail(acme_deal.pk, action))
    else:
        response = client.post(detail(acme_deal.pk, action), {"reason": "x"}, format="json")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    acme_deal.refresh_from_db()
    assert acme_deal.status == "submitted"
