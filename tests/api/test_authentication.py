"""API key authentication and scopes, and portal sessions on the API."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from partners.api_keys import revoke_api_key
from prm.api import authentication
from prm.models import ApiKey, AuditEvent

from .assertions import error_of

pytestmark = pytest.mark.django_db

PARTNERS = "/api/v1/partners/"


def with_header(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=value)
    return client


def test_a_valid_key_authenticates_and_records_its_last_use(issue_key, acme):
    key, plaintext = issue_key("partners:read")
    assert key.last_used_at is None

    response = with_header(f"Api-Key {plaintext}").get(PARTNERS)

    assert response.status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_last_use_is_written_at_most_once_a_minute(issue_key, acme):
    key, plaintext = issue_key("partners:read")
    client = with_header(f"Api-Key {plaintext}")
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        client.get(PARTNERS)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, 30, tzinfo=dt.UTC), tick=False):
        client.get(PARTNERS)
    key.refresh_from_db()
    assert key.last_used_at == dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 2, tzinfo=dt.UTC), tick=False):
        client.get(PARTNERS)
    key.refresh_from_db()
    assert key.last_used_at == dt.datetime(2026, 3, 2, 9, 2, tzinfo=dt.UTC)


def test_a_key_used_within_the_minute_authenticates_without_writing(issue_key, acme):
    key, plaintext = issue_key("partners:read")
    client = with_header(f"Api-Key {plaintext}")
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        client.get(PARTNERS)
    with (
        time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, 40, tzinfo=dt.UTC), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        assert client.get(PARTNERS).status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SELECT")]
    assert writes == []


def test_the_first_use_of_a_new_day_is_recorded_after_a_recent_use(issue_key, acme):
    key, plaintext = issue_key("partners:read")
    client = with_header(f"Api-Key {plaintext}")
    with time_machine.travel(dt.datetime(2026, 3, 2, 23, 59, 50, tzinfo=dt.UTC), tick=False):
        client.get(PARTNERS)
    with time_machine.travel(dt.datetime(2026, 3, 3, 0, 0, 5, tzinfo=dt.UTC), tick=False):
        client.get(PARTNERS)
    key.refresh_from_db()
    assert key.last_used_at == dt.datetime(2026, 3, 3, 0, 0, 5, tzinfo=dt.UTC)
    days = AuditEvent.objects.filter(verb="api_key.used", object_id=str(key.pk))
    assert sorted(e.data["day"] for e in days) == ["2026-03-02", "2026-03-03"]


def test_a_key_past_its_rotation_overlap_is_401(issue_key, acme):
    key, plaintext = issue_key("partners:read")
    ApiKey.objects.filter(pk=key.pk).update(expires_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    client = with_header(f"Api-Key {plaintext}")
    with time_machine.travel(dt.datetime(2026, 3, 2, 8, 59, tzinfo=dt.UTC), tick=False):
        assert client.get(PARTNERS).status_code == 200
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        response = client.get(PARTNERS)
    assert response.status_code == 401
    assert error_of(response)["message"] == "Unknown or revoked API key."


@pytest.mark.parametrize(
    "header",
    ["Api-Key ", "Api-Key prm_", "Api-Key prm_abcd1234", "Api-Key prm_abcd1234.", "Api-Key .x"],
)
def test_a_malformed_key_is_401_with_the_error_body(db, header):
    response = with_header(header).get(PARTNERS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    error = error_of(response)
    assert error["code"] == "authentication_failed"
    assert error["message"] == "Malformed API key."


def test_an_unknown_key_is_401(issue_key):
    key, plaintext = issue_key("partners:read")
    wrong_secret = f"prm_{key.prefix}.not-the-secret"
    for value in (wrong_secret, "prm_00000000.whatever"):
        response = with_header(f"Api-Key {value}").get(PARTNERS)
        assert response.status_code == 401
        assert error_of(response)["message"] == "Unknown or revoked API key."


def test_a_revoked_key_is_401(issue_key, ops):
    key, plaintext = issue_key("partners:read")
    revoke_api_key(key=key, actor=ops)

    response = with_header(f"Api-Key {plaintext}").get(PARTNERS)

    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_no_credentials_is_401_with_the_error_body(db):
    response = APIClient().get(PARTNERS)

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_a_read_only_key_cannot_write(key_client, acme):
    client = key_client("partners:read")

    response = client.post(
        f"{PARTNERS}{acme.pk}/status/", {"status": "suspended", "reason": "x"}, format="json"
    )

    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "permission_denied"
    assert error["message"] == "This API key lacks the scope partners:write."
    acme.refresh_from_db()
    assert acme.status == "active"


@pytest.mark.parametrize(
    "path",
    [PARTNERS, "/api/v1/memberships/", "/api/v1/tiers/", "/api/v1/invitations/"],
)
def test_a_key_without_the_partners_scope_is_403(key_client, acme, path):
    client = key_client("deals:read", "deals:write")

    response = client.get(path)

    assert response.status_code == 403
    assert error_of(response)["message"] == "This API key lacks the scope partners:read."


def test_a_partner_bound_key_sees_only_its_partner(key_client, acme, globex, distri):
    client = key_client("partners:read", partner=acme)

    listed = client.get(PARTNERS).json()["results"]
    assert [p["display_name"] for p in listed] == ["Acme"]
    assert client.get(f"{PARTNERS}{acme.pk}/").status_code == 200
    for other in (globex, distri):
        response = client.get(f"{PARTNERS}{other.pk}/")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


def test_a_partner_bound_key_with_write_scope_still_cannot_do_ops_work(key_client, acme):
    client = key_client("partners:read", "partners:write", partner=acme)

    response = client.post(
        f"{PARTNERS}{acme.pk}/status/", {"status": "suspended", "reason": "x"}, format="json"
    )

    assert response.status_code == 403
    assert error_of(response)["message"] == "Only program operations may do this."


def test_a_program_wide_key_with_write_scope_acts_as_ops(key_client, acme):
    client = key_client("partners:read", "partners:write")

    response = client.post(
        f"{PARTNERS}{acme.pk}/status/", {"status": "suspended", "reason": "Audit"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "suspended"


def test_a_session_is_not_limited_by_scopes_and_needs_csrf_to_write(acme_admin, acme):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(acme_admin)

    assert client.get(PARTNERS).status_code == 200
    response = client.post(
        "/api/v1/invitations/", {"partner": acme.pk, "email": "new@acme.example"}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in error_of(response)["message"]


def test_the_key_header_wins_over_a_session(issue_key, acme_admin, globex, acme):
    _key, plaintext = issue_key("partners:read", partner=globex)
    client = APIClient()
    client.force_login(acme_admin)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")

    listed = client.get(PARTNERS).json()["results"]

    assert [p["display_name"] for p in listed] == ["Globex"]


def test_every_key_authenticates_as_its_own_principal(issue_key, acme, globex):
    keys = [issue_key("partners:read", partner=p) for p in (acme, globex)]
    assert ApiKey.objects.count() == 2
    seen = [
        with_header(f"Api-Key {plaintext}").get(PARTNERS).json()["results"][0]["display_name"]
        for _key, plaintext in keys
    ]
    assert seen == ["Acme", "Globex"]


def test_the_secret_is_compared_in_constant_time(issue_key, monkeypatch):
    """Every secret check goes through ``hmac.compare_digest``, never ``==``/``!=``."""
    import hmac

    from prm.api import authentication

    compared = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(authentication.hmac, "compare_digest", spy)
    key, plaintext = issue_key("partners:read")

    assert with_header(f"Api-Key {plaintext}").get(PARTNERS).status_code == 200
    assert with_header(f"Api-Key prm_{key.prefix}.wrong").get(PARTNERS).status_code == 401
    assert len(compared) == 2
    assert all(stored == key.hashed_secret for stored, _given in compared)


def test_a_key_used_moments_ago_is_not_read_again_and_a_revoked_one_is_refused_at_once(
    issue_key, acme, ops
):
    key, plaintext = issue_key("partners:read")
    client = with_header(f"Api-Key {plaintext}")
    assert client.get(PARTNERS).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PARTNERS).status_code == 200
    assert not [q for q in queries.captured_queries if "prm_apikey" in q["sql"]]

    revoke_api_key(key=key, actor=ops, reason="leaked")

    response = client.get(PARTNERS)
    assert response.status_code == 401
    assert error_of(response)["message"] == "Unknown or revoked API key."


def test_a_key_changed_elsewhere_is_refused_within_the_reuse_bound(issue_key, acme, monkeypatch):
    """Another process's change reaches this one through the database, at most
    ``KEY_REUSE_SECONDS`` after this process last read the key."""
    key, plaintext = issue_key("partners:read")
    client = with_header(f"Api-Key {plaintext}")
    now = [1000.0]
    monkeypatch.setattr(authentication.time, "monotonic", lambda: now[0])
    assert client.get(PARTNERS).status_code == 200
    # As another process revokes it: no save() in this one.
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))

    now[0] += authentication.KEY_REUSE_SECONDS - 0.5
    assert client.get(PARTNERS).status_code == 200
    now[0] += 0.5
    assert client.get(PARTNERS).status_code == 401


def test_each_request_gets_its_own_copy_of_the_key_and_its_account(issue_key, acme):
    _key, plaintext = issue_key("partners:read")
    client = with_header(f"Api-Key {plaintext}")
    first = client.get(PARTNERS).wsgi_request
    second = client.get(PARTNERS).wsgi_request
    assert first.user.pk == second.user.pk
    assert first.user is not second.user
    assert first.auth is not second.auth
