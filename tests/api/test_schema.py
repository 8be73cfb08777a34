import io
import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_is_served_and_describes_the_partner_endpoints(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for path in (
        "/api/v1/partners/",
        "/api/v1/partners/{id}/status/",
        "/api/v1/partners/{id}/tier/",
        "/api/v1/memberships/{id}/",
        "/api/v1/invitations/",
        "/api/v1/tiers/{id}/",
        "/api/v1/applications/",
        "/api/v1/applications/{id}/approve/",
    ):
        assert path in paths, path
    assert schema["components"]["securitySchemes"]["ApiKey"]["name"] == "Authorization"
    # Applying needs no credentials; everything else does.
    assert {} in paths["/api/v1/applications/"]["post"]["security"]
    assert {} not in paths["/api/v1/partners/"]["get"]["security"]
    parameters = {p["name"] for p in paths["/api/v1/invitations/"]["post"]["parameters"]}
    assert "Idempotency-Key" in parameters
    assert "PartnerStatusEnum" in schema["components"]["schemas"]
    assert "ApplicationStatusEnum" in schema["components"]["schemas"]


def test_the_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(target), stderr=io.StringIO()
    )
    assert "/api/v1/partners/" in target.read_text()


def test_the_docs_page_loads_only_local_assets(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", html, re.IGNORECASE), html
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert assets
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset
