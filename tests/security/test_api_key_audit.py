"""API key use leaves one audit row per key per day of use (not one per call)."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from partners.api_keys import issue_api_key
from prm.models import AuditEvent

PARTNERS = "/api/v1/partners/"


@pytest.fixture
def key_client(ops):
    key, plaintext = issue_api_key(name="CRM", scopes=["partners:read"], actor=ops)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return key, client


def at(moment: str):
    return time_machine.travel(dt.datetime.fromisoformat(moment), tick=False)


def test_one_row_per_key_per_day_of_use(key_client):
    key, client = key_client
    for moment in ("2026-03-02T09:00:00+00:00", "2026-03-02T09:05:00+00:00"):
        with at(moment):
            assert client.get(PARTNERS).status_code == 200
    with at("2026-03-02T23:59:00+00:00"):
        client.get(PARTNERS)
    with at("2026-03-03T00:01:00+00:00"):
        client.get(PARTNERS)

    rows = AuditEvent.objects.filter(verb="api_key.used").order_by("created_at")
    assert [r.data["day"] for r in rows] == ["2026-03-02", "2026-03-03"]
    assert {r.object_id for r in rows} == {str(key.pk)}
    assert rows[0].actor_id == key.principal_id


def test_a_refused_key_leaves_no_use_row(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Api-Key prm_nope.nope")
    assert client.get(PARTNERS).status_code == 401
    assert not AuditEvent.objects.filter(verb="api_key.used").exists()
