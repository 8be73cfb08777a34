"""Business-case endpoints: models offered, cases built through the service, idempotent create."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from enablement.business_cases.services import build_business_case
from enablement.models import BusinessCase
from partners.api_keys import issue_api_key
from tests.factories import MembershipFactory, PartnerFactory

from .factories_programs import BusinessCaseModelFactory

pytestmark = pytest.mark.django_db
MODELS = "/api/v1/business-case-models/"
CASES = "/api/v1/business-cases/"


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.fixture
def roi(db):
    return BusinessCaseModelFactory()


def test_models_are_listed_with_their_inputs_not_their_formulas(roi, acme_admin, globex_admin):
    body = session(globex_admin).get(MODELS).json()
    assert [m["name"] for m in body["results"]] == ["MSP security bundle ROI"]
    model = body["results"][0]
    assert model["inputs"][0] == {
        "key": "seats",
        "label": "Users / seats",
        "unit": "seats",
        "default": "50",
        "min": "1",
    }
    assert model["results"][-1] == {
        "key": "roi",
        "label": "Return on investment",
        "format": "percent",
    }
    assert "expression" not in str(model) and "assumptions" not in model
    assert session(acme_admin).get(MODELS).json()["count"] == 0
    assert session(acme_admin).get(f"{MODELS}{roi.pk}/").status_code == 404


def test_a_case_is_built_through_the_api(roi, globex, globex_admin):
    response = session(globex_admin).post(
        CASES,
        {"model": roi.pk, "prospect_name": "Summit County", "inputs": {"seats": "120",
         "current_cost_per_seat": "7.50", "incidents_per_year": "6", "price_per_seat": "8.50"}},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    body = response.json()
    results = {row["key"]: row for row in body["results"]}
    assert results["first_year_price"]["value"] == "13740.00"
    assert results["roi"]["display"] == "84.2 %"
    assert body["partner"]["id"] == globex.pk
    assert body["deal_amount"] == "13740.00"
    assert body["deal_registration_url"].startswith("/deals/new/?customer_name=Summit")
    assert BusinessCase.objects.get().created_by == globex_admin


def test_creating_is_idempotent_with_a_key(roi, globex_admin):
    client = session(globex_admin)
    payload = {"model": roi.pk, "prospect_name": "Once", "inputs": {}}
    first = client.post(CASES, payload, format="json", HTTP_IDEMPOTENCY_KEY="case-1")
    again = client.post(CASES, payload, format="json", HTTP_IDEMPOTENCY_KEY="case-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert BusinessCase.objects.count() == 1
    other = client.post(
        CASES, {**payload, "prospect_name": "Twice"}, format="json", HTTP_IDEMPOTENCY_KEY="case-1"
    )
    assert other.status_code == 409


@pytest.mark.parametrize(
    ("payload", "status", "code", "detail"),
    [
        ({"prospect_name": "P", "inputs": {"seats": "0"}}, 400, "invalid_inputs", "seats"),
        ({"prospect_name": "P", "inputs": {"discount": "5"}}, 400, "invalid_inputs", "__all__"),
        ({"prospect_name": "", "inputs": {}}, 400, "invalid", "prospect_name"),
        (
            {"prospect_name": "P", "inputs": {}, "currency": "XXX"},
            400,
            "invalid_inputs",
            "currency",
        ),
    ],
)
def test_bad_requests_get_the_error_shape(roi, globex_admin, payload, status, code, detail):
    response = session(globex_admin).post(CASES, {"model": roi.pk, **payload}, format="json")
    assert response.status_code == status
    error = error_of(response)
    assert error["code"] == code and detail in error["details"]


def test_who_may_build_for_which_partner(roi, globex, acme, acme_admin, globex_admin, cam):
    payload = {"model": roi.pk, "prospect_name": "P"}
    # A model outside the caller's business models is unknown to them.
    assert session(acme_admin).post(CASES, payload, format="json").status_code == 404
    # Staff are no partner's people: they must name one, and may not build for it.
    response = session(cam).post(CASES, payload, format="json")
    assert error_of(response)["code"] == "partner_required"
    response = session(cam).post(CASES, {**payload, "partner": acme.pk}, format="json")
    assert response.status_code == 404
    # A partner user names only partners they belong to.
    response = session(globex_admin).post(CASES, {**payload, "partner": acme.pk}, format="json")
    assert response.status_code == 404
    MembershipFactory(user=globex_admin, partner=PartnerFactory(business_model="msp"))
    response = session(globex_admin).post(CASES, payload, format="json")
    assert error_of(response)["code"] == "partner_required"
    response = session(globex_admin).post(CASES, {**payload, "partner": globex.pk}, format="json")
    assert response.status_code == 201


def test_cases_are_listed_and_retrieved_in_scope(roi, globex, globex_admin, personas):
    case = build_business_case(
        actor=globex_admin, partner=globex, model=roi, prospect_name="P", inputs={}
    )
    for who, count in {"globex_admin": 1, "other_cam": 1, "ops": 1, "acme_admin": 0,
                       "cam": 0, "distri_admin": 0}.items():  # fmt: skip
        client = session(personas[who])
        assert client.get(CASES).json()["count"] == count, who
        assert client.get(f"{CASES}{case.pk}/").status_code == (200 if count else 404), who


def test_the_list_queries_do_not_grow_with_rows(
    roi, globex, globex_admin, django_assert_max_num_queries
):
    client = session(globex_admin)

    def grow(n):
        for index in range(n):
            build_business_case(
                actor=globex_admin, partner=globex, model=roi, prospect_name=f"P{index}", inputs={}
            )

    grow(2)
    with django_assert_max_num_queries(10) as small:
        client.get(CASES)
    grow(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(CASES)
    with django_assert_max_num_queries(10):
        client.get(MODELS)


def test_a_partner_key_builds_cases_for_its_partner(roi, globex):
    _key, plaintext = issue_api_key(
        name="PSA", scopes=["enablement:read", "enablement:write"], actor=None, partner=globex
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    response = client.post(CASES, {"model": roi.pk, "prospect_name": "From PSA"}, format="json")
    assert response.status_code == 201
    assert BusinessCase.objects.get().deal_amount == Decimal("6900.00")
    _key, read_only = issue_api_key(
        name="BI", scopes=["enablement:read"], actor=None, partner=globex
    )
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {read_only}")
    assert (
        client.post(CASES, {"model": roi.pk, "prospect_name": "X"}, format="json").status_code
        == 403
    )
    assert client.get(CASES).json()["count"] == 1
