"""Every 404 under /api/, from a view or from URL resolution, has the API's error shape."""

import re

import pytest
import yaml

from .assertions import error_of

pytestmark = pytest.mark.django_db


def _placeholder(integer_ids):
    return lambda match: "AAA" if match[1] in integer_ids else "x"


def integer_id_operations(client):
    """(method, path with every integer path parameter replaced by "AAA") for each operation."""
    schema = yaml.safe_load(client.get("/api/schema/").content)
    for path, item in schema["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            parameters = [*shared, *operation.get("parameters", [])]
            integer_ids = {
                p["name"]
                for p in parameters
                if p["in"] == "path" and p["schema"].get("type") == "integer"
            }
            if integer_ids:
                yield method, re.sub(r"\{(\w+)\}", _placeholder(integer_ids), path)


def test_a_non_integer_id_is_a_json_404_on_every_operation(ops, session_for):
    client = session_for(ops)
    operations = list(integer_id_operations(client))
    # Every detail route of the API: registrations, conflicts, leads, partners, memberships, …
    assert len(operations) >= 38
    assert ("get", "/api/v1/registrations/AAA/conflicts/") in operations

    for method, path in operations:
        response = getattr(client, method)(path, {}, format="json")
        assert response.status_code == 404, (method, path, response.status_code)
        assert error_of(response)["code"] == "not_found", (method, path)


def test_an_unknown_api_address_is_a_json_404(ops, session_for):
    for path in ("/api/v1/no-such-thing/", "/api/v2/", "/api/v1/registrations/1/nope/"):
        response = session_for(ops).get(path)
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


def test_an_unknown_portal_address_stays_a_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_unexpected_api_error_answers_in_the_error_shape(acme_rep, monkeypatch):
    from rest_framework.test import APIClient

    from deals.api import views

    def explode(user):
        raise RuntimeError("database gone")

    monkeypatch.setattr(views, "deals_visible_to", explode)
    client = APIClient(raise_request_exception=False)
    client.force_login(acme_rep)
    response = client.get("/api/v1/registrations/")

    assert response.status_code == 500
    assert error_of(response)["code"] == "server_error"
