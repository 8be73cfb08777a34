"""Clients and assertions shared by the deals API tests."""

from rest_framework.test import APIClient

from partners.api_keys import issue_api_key


def session(user) -> APIClient:
    """An API client signed in to the portal as ``user``."""
    client = APIClient()
    client.force_login(user)
    return client


def key_client(issuer, *scopes, partner=None) -> APIClient:
    """An API client authenticated by a new key issued by ``issuer`` (ops). Bound to
    ``partner`` the key acts as one of the partner's reps; unbound, as program ops."""
    _key, plaintext = issue_api_key(
        name="Test integration", scopes=list(scopes), actor=issuer, partner=partner
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


def error_of(response) -> dict:
    """The one error shape of the API: {"error": {"code", "message", "details"}}."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]
