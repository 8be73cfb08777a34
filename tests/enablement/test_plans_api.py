"""Business plan endpoints: scoped lists and details, approval, new versions, error shape."""

import pytest
from rest_framework.test import APIClient

from enablement.programs import services as program_services
from partners.api_keys import issue_api_key
from tests.factories import PartnerFactory

from .factories_programs import PlanFactory, PlanTargetFactory, ready_plan

pytestmark = pytest.mark.django_db
PLANS = "/api/v1/business-plans/"


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def key_client(*scopes, partner=None) -> APIClient:
    _key, plaintext = issue_api_key(name="CRM", scopes=list(scopes), actor=None, partner=partner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.fixture
def plan(acme, cam):
    return ready_plan(partner=acme, created_by=cam, title="Acme growth")


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("acme_admin", 200),
        ("acme_rep", 200),
        ("distri_admin", 200),
        ("cam", 200),
        ("ops", 200),
        ("globex_admin", 404),
        ("other_cam", 404),
    ],
)
def test_a_plan_is_retrieved_only_in_scope(personas, plan, who, expected):
    response = session(personas[who]).get(f"{PLANS}{plan.pk}/")
    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert (body["title"], body["status"], body["year_label"]) == (
            "Acme growth",
            "draft",
            "FY2026",
        )
        assert body["partner"] == {"id": plan.partner_id, "display_name": "Acme"}
        assert [t["metric"] for t in body["targets"]] == ["registered_deals"]
        assert len(body["checkins"]) == 1
    else:
        assert error_of(response)["code"] == "not_found"


def test_the_list_is_scoped_and_filtered(personas, acme, globex):
    acme_plan, globex_plan = (
        PlanFactory(partner=acme),
        PlanFactory(partner=globex, fiscal_year=2027),
    )

    def ids(who, **query):
        return {p["id"] for p in session(personas[who]).get(PLANS, query).json()["results"]}

    assert ids("acme_rep") == {acme_plan.pk}
    assert ids("globex_admin") == {globex_plan.pk}
    assert ids("other_cam") == {globex_plan.pk}
    assert ids("ops") == {acme_plan.pk, globex_plan.pk}
    assert ids("ops", fiscal_year=2027) == {globex_plan.pk}
    assert ids("ops", partner=acme.pk) == {acme_plan.pk}
    assert ids("ops", status="approved") == set()


def test_the_list_queries_do_not_grow_with_rows(ops, cam, django_assert_max_num_queries):
    client = session(ops)

    def grow(n):
        for _ in range(n):
            PlanTargetFactory(plan=PlanFactory(partner=PartnerFactory(channel_manager=cam)))

    grow(2)
    with django_assert_max_num_queries(10) as small:
        assert client.get(PLANS).status_code == 200
    grow(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(PLANS)


def test_a_partner_admin_approves_through_the_api(acme_admin, plan):
    response = session(acme_admin).post(f"{PLANS}{plan.pk}/approve/", {"note": "Agreed"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    assert response.json()["approved_by"] == acme_admin.email


def test_approval_refusals_use_the_error_shape(cam, acme_admin, globex_admin, plan):
    response = session(cam).post(f"{PLANS}{plan.pk}/approve/")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert session(globex_admin).post(f"{PLANS}{plan.pk}/approve/").status_code == 404
    program_services.approve_plan(actor=acme_admin, plan=plan)
    response = session(acme_admin).post(f"{PLANS}{plan.pk}/approve/")
    assert response.status_code == 409
    assert error_of(response)["code"] == "plan_locked"


def test_a_new_version_through_the_api(cam, acme_admin, other_cam, plan):
    program_services.approve_plan(actor=acme_admin, plan=plan)
    assert session(other_cam).post(f"{PLANS}{plan.pk}/new-version/").status_code == 404

    response = session(cam).post(f"{PLANS}{plan.pk}/new-version/")

    assert response.status_code == 201
    body = response.json()
    assert (body["version"], body["status"], body["based_on"]) == (2, "draft", plan.pk)
    assert len(body["targets"]) == 1
    response = session(cam).post(f"{PLANS}{plan.pk}/new-version/")
    assert response.status_code == 409
    assert error_of(response)["details"] == {"draft_id": body["id"]}


def test_api_keys_need_the_enablement_scope_and_stay_in_their_partner(acme, globex, plan):
    assert key_client("partners:read", partner=acme).get(PLANS).status_code == 403
    acme_key = key_client("enablement:read", partner=acme)
    assert [p["id"] for p in acme_key.get(PLANS).json()["results"]] == [plan.pk]
    globex_key = key_client("enablement:read", partner=globex)
    assert globex_key.get(f"{PLANS}{plan.pk}/").status_code == 404
    # Writing needs enablement:write; the key's principal is not a partner admin anyway.
    assert acme_key.post(f"{PLANS}{plan.pk}/approve/").status_code == 403
    write_key = key_client("enablement:read", "enablement:write", partner=acme)
    response = write_key.post(f"{PLANS}{plan.pk}/approve/")
    assert response.status_code == 403 and error_of(response)["code"] == "permission_denied"
