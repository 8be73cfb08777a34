"""The portal pages where program ops and partner admins issue and revoke API keys."""

import re

import pytest
from rest_framework.test import APIClient

from partners.api_keys import bound_partner, issue_api_key
from prm.models import ApiKey

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]

LIST = "/api-keys/"
NEW = "/api-keys/new/"


def plaintext_in(response) -> str:
    match = re.search(r'data-testid="api-key-plaintext">(prm_[^<]+)<', response.content.decode())
    assert match, response.content.decode()
    return match.group(1)


@pytest.mark.parametrize("persona", ["acme_rep", "cam", "other_cam"])
def test_people_who_manage_no_keys_are_refused(personas, client_for, persona):
    client = client_for(personas[persona])
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, {"name": "x", "scopes": ["deals:read"]}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_empty_list_invites_issuing_the_first_key(client_for, acme_admin):
    body = client_for(acme_admin).get(LIST).content.decode()

    assert "No API keys yet." in body
    assert NEW in body


def test_a_partner_admin_issues_a_key_shown_once_that_works(client_for, acme_admin, acme):
    client = client_for(acme_admin)

    response = client.post(
        NEW, {"name": "Our CRM", "partner": acme.pk, "scopes": ["partners:read", "deals:read"]}
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    plaintext = plaintext_in(response)
    key = ApiKey.objects.get()
    assert (key.name, key.scopes, bound_partner(key)) == (
        "Our CRM",
        ["deals:read", "partners:read"],
        acme,
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    assert [p["display_name"] for p in api.get("/api/v1/partners/").json()["results"]] == ["Acme"]
    listing = client.get(LIST).content.decode()
    assert f"prm_{key.prefix}" in listing
    assert plaintext not in listing


def test_a_partner_admin_is_offered_only_their_partner_and_partner_side_scopes(
    client_for, acme_admin, globex
):
    body = client_for(acme_admin).get(NEW).content.decode()

    assert "Acme" in body
    assert "Globex" not in body
    assert 'value="deals:write"' in body
    assert 'value="partners:write"' not in body
    assert 'value="scorecards:read"' not in body


def test_a_partner_admin_cannot_post_their_way_to_more(client_for, acme_admin, acme, globex):
    client = client_for(acme_admin)

    other = client.post(NEW, {"name": "x", "partner": globex.pk, "scopes": ["deals:read"]})
    wider = client.post(NEW, {"name": "x", "partner": acme.pk, "scopes": ["partners:write"]})
    unbound = client.post(NEW, {"name": "x", "partner": "", "scopes": ["deals:read"]})

    for response in (other, wider, unbound):
        assert response.status_code == 200
        assert 'class="error"' in response.content.decode()
    assert not ApiKey.objects.exists()


def test_ops_issue_a_program_wide_key(client_for, ops):
    response = client_for(ops).post(NEW, {"name": "BI export", "scopes": ["scorecards:read"]})

    assert response.status_code == 200
    assert "Program-wide" in response.content.decode()
    key = ApiKey.objects.get()
    assert bound_partner(key) is None
    assert key.principal.is_program_ops


def test_a_form_without_name_or_scopes_explains_itself(client_for, ops):
    response = client_for(ops).post(NEW, {"name": ""})

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("This field is required.") == 2
    assert not ApiKey.objects.exists()


def test_a_partner_admin_revokes_their_key_but_not_others(
    client_for, ops, acme_admin, acme, globex
):
    own, _ = issue_api_key(name="Acme CRM", scopes=["deals:read"], actor=ops, partner=acme)
    other, _ = issue_api_key(name="Globex CRM", scopes=["deals:read"], actor=ops, partner=globex)
    client = client_for(acme_admin)

    listing = client.get(LIST).content.decode()
    assert "Acme CRM" in listing
    assert "Globex CRM" not in listing

    assert client.post(f"/api-keys/{other.pk}/revoke/").status_code == 404
    response = client.post(f"/api-keys/{own.pk}/revoke/", follow=True)
    assert "is revoked" in response.content.decode()
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.is_active, other.is_active) == (False, True)


def test_revoking_needs_a_post(client_for, ops, acme):
    key, _ = issue_api_key(name="Acme CRM", scopes=["deals:read"], actor=ops, partner=acme)
    assert client_for(ops).get(f"/api-keys/{key.pk}/revoke/").status_code == 405


def test_the_key_list_costs_the_same_queries_for_more_rows(
    client_for, ops, acme, globex, django_assert_max_num_queries
):
    client = client_for(ops)
    issue_api_key(name="one", scopes=["deals:read"], actor=ops, partner=acme)
    with django_assert_max_num_queries(12) as few:
        client.get(LIST)
    baseline = len(few)  # read now: every request resets the query log
    for n in range(10):
        partner = acme if n % 2 else globex
        issue_api_key(name=f"k{n}", scopes=["deals:read"], actor=ops, partner=partner)
        issue_api_key(name=f"p{n}", scopes=["deals:read"], actor=ops)
    with django_assert_max_num_queries(baseline):
        body = client.get(LIST).content.decode()
    assert body.count('data-testid="api-key-') == 21
