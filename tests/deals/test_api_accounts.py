"""The vendor's accounts and opportunities through the API: upsert by CRM id for internal
principals only; partners never see them."""

import pytest

from deals.models import CustomerAccount, Opportunity

from .api_support import error_of, key_client, session

pytestmark = pytest.mark.django_db


def test_crm_key_upserts_an_account_then_updates_it(ops):
    crm = key_client(ops, "deals:read", "deals:write")
    response = crm.put(
        "/api/v1/accounts/SF-001/",
        {"name": "Cyberdyne Systems Inc", "domain": "https://www.cyberdyne.co.uk", "country": "GB"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["domain"] == "cyberdyne.co.uk"
    assert response.json()["normalized_name"] == "cyberdyne systems"
    response = crm.put("/api/v1/accounts/SF-001/", {"name": "Cyberdyne"}, format="json")
    assert response.status_code == 200
    assert CustomerAccount.objects.get().name == "Cyberdyne"


def test_opportunity_upsert_and_errors(ops):
    crm = key_client(ops, "deals:read", "deals:write")
    response = crm.put(
        "/api/v1/opportunities/OPP-9/",
        {"account_crm_id": "nope", "name": "Expansion", "stage": "open"},
        format="json",
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "unknown_account"
    crm.put("/api/v1/accounts/SF-001/", {"name": "Cyberdyne"}, format="json")
    response = crm.put(
        "/api/v1/opportunities/OPP-9/",
        {"account_crm_id": "SF-001", "name": "Expansion", "stage": "open", "amount": "5000"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == "5000.00"
    response = crm.put(
        "/api/v1/opportunities/OPP-9/",
        {"account_crm_id": "SF-001", "name": "Expansion", "stage": "won", "amount": "5000"},
        format="json",
    )
    assert response.status_code == 200
    assert Opportunity.objects.get().stage == "won"
    response = crm.put(
        "/api/v1/opportunities/OPP-9/",
        {"account_crm_id": "SF-001", "name": "Expansion", "stage": "maybe"},
        format="json",
    )
    assert response.status_code == 400
    assert "stage" in error_of(response)["details"]


@pytest.mark.parametrize("who", ["acme_admin", "acme_rep", "globex_admin", "distri_admin"])
def test_partners_are_refused(personas, ops, who):
    CustomerAccount.objects.create(crm_id="SF-1", name="Cyberdyne", normalized_name="cyberdyne")
    client = session(personas[who])
    for url in ("/api/v1/accounts/", "/api/v1/accounts/SF-1/", "/api/v1/opportunities/"):
        assert client.get(url).status_code == 403
    response = client.put("/api/v1/accounts/SF-1/", {"name": "Mine now"}, format="json")
    assert response.status_code == 403
    assert CustomerAccount.objects.get().name == "Cyberdyne"


def test_a_partner_bound_key_is_refused(ops, acme):
    client = key_client(ops, "deals:read", "deals:write", partner=acme)
    assert client.put("/api/v1/accounts/X/", {"name": "X"}, format="json").status_code == 403
    assert client.get("/api/v1/opportunities/").status_code == 403


def test_a_cam_reads_but_does_not_write(cam):
    client = session(cam)
    assert client.get("/api/v1/accounts/").status_code == 200
    response = client.put("/api/v1/accounts/SF-1/", {"name": "X"}, format="json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


def test_read_scope_alone_cannot_write(ops):
    client = key_client(ops, "deals:read")
    assert client.put("/api/v1/accounts/SF-1/", {"name": "X"}, format="json").status_code == 403
    assert client.get("/api/v1/accounts/").status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/accounts/", "/api/v1/opportunities/"])
def test_list_queries_do_not_grow(ops, url, django_assert_max_num_queries):
    client = session(ops)

    def add(start, n):
        for i in range(start, start + n):
            account = CustomerAccount.objects.create(
                crm_id=f"A{i}", name=f"Account {i}", normalized_name=f"account {i}"
            )
            Opportunity.objects.create(crm_id=f"O{i}", account=account, name=f"Opp {i}")

    add(0, 2)
    with django_assert_max_num_queries(10) as few:
        assert client.get(url).status_code == 200
    add(2, 10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).json()["count"] == 12
