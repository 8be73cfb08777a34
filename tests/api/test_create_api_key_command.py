import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from prm.audit import events_for
from prm.models import ApiKey

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("create_api_key", *args, stdout=out)
    return out.getvalue()


def printed_key(output: str) -> str:
    keys = [line for line in output.splitlines() if line.startswith("prm_")]
    assert len(keys) == 1, output
    return keys[0]


def test_the_printed_key_works_within_its_scopes(acme, globex):
    output = run("--name", "CRM sync", "--scope", "partners:read", "--scope", "deals:write")

    assert 'Issued API key "CRM sync" (program-wide), scopes: deals:write, partners:read' in output
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {printed_key(output)}")
    listed = client.get("/api/v1/partners/").json()["results"]
    assert {p["display_name"] for p in listed} == {"Acme", "Globex", "Distri"}
    assert client.get("/api/v1/applications/").status_code == 200
    key = ApiKey.objects.get()
    assert key.created_by is None
    assert events_for(key).get(verb="api_key.issued").actor_label == "system"


def test_a_key_bound_to_a_partner_sees_only_that_partner(acme, globex):
    output = run("--name", "Acme CRM", "--scope", "partners:read", "--partner-id", str(acme.pk))

    assert f"partner Acme (id {acme.pk})" in output
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {printed_key(output)}")
    listed = client.get("/api/v1/partners/").json()["results"]
    assert [p["display_name"] for p in listed] == ["Acme"]
    assert client.get(f"/api/v1/partners/{globex.pk}/").status_code == 404


def test_an_unknown_partner_is_refused(db):
    with pytest.raises(CommandError, match="No partner with id 999"):
        run("--name", "x", "--scope", "partners:read", "--partner-id", "999")
    assert not ApiKey.objects.exists()


def test_an_unknown_scope_is_refused(db):
    with pytest.raises(CommandError, match="invalid choice"):
        run("--name", "x", "--scope", "partners:admin")
    assert not ApiKey.objects.exists()


def test_a_blank_name_is_refused(db):
    with pytest.raises(CommandError, match="name"):
        run("--name", " ", "--scope", "partners:read")
