"""The OpenAPI schema says what the API answers: error answers, empty strings, nulls, file
types and id filters."""

import pytest
import yaml

from tests.enablement.factories import ReferenceFactory
from tests.enablement.factories_programs import AssetFactory

from .assertions import error_of

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def schema(client):
    return yaml.safe_load(client.get("/api/schema/").content)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_operation_documents_the_errors_it_can_answer(schema):
    for path, method, operation in operations(schema):
        documented = set(operation["responses"])
        parameters = operation.get("parameters", [])
        expected = set()
        if "{" in path:
            expected.add("404")
        if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
            expected.add("400")
        if {} not in operation.get("security", [{}]):
            expected |= {"401", "403"}
        assert expected <= documented, (method, path, expected - documented)
        for code in expected:
            content = operation["responses"][code]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, code)


def test_answers_declare_no_url_or_email_format_on_fields_that_may_be_empty(schema):
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request"):
            continue  # what a caller sends; checked by the serializers
        for field, definition in component.get("properties", {}).items():
            if name.startswith("Paginated") and field in {"next", "previous"}:
                continue  # a link or null, never empty
            assert definition.get("format") not in {"uri", "email"}, (name, field)


def test_an_empty_email_in_an_answer_matches_the_schema(schema, ops, session_for):
    from tests.deals.conflict_factories import LeadFactory

    LeadFactory(contact_email="")
    row = session_for(ops).get("/api/v1/leads/").json()["results"][0]
    assert row["contact_email"] == ""
    assert (
        "format" not in schema["components"]["schemas"]["LeadOutput"]["properties"]["contact_email"]
    )


def test_an_undecided_reference_has_a_nullable_decider(schema, acme, acme_rep, session_for):
    ReferenceFactory(partner=acme)
    row = session_for(acme_rep).get("/api/v1/reference-implementations/").json()["results"][0]

    assert row["decided_by"] is None
    decided_by = schema["components"]["schemas"]["ReferenceImplementation"]["properties"][
        "decided_by"
    ]
    assert decided_by.get("nullable") is True


def test_asset_downloads_document_the_file_types_they_serve(schema, acme_rep, session_for):
    from django.core.files.base import ContentFile

    pdf = b"%PDF-1.4\n%%EOF\n"
    asset = AssetFactory(
        external_url="",
        file=ContentFile(pdf, name="prices.pdf"),
        original_filename="prices.pdf",
        content_type="application/pdf",
        size=len(pdf),
    )
    response = session_for(acme_rep).get(f"/api/v1/assets/{asset.pk}/download/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    documented = schema["paths"]["/api/v1/assets/{id}/download/"]["get"]["responses"]["200"]
    assert {"application/pdf", "image/png"} <= set(documented["content"])
    assert "application/json" not in documented["content"]


ID_FILTERS = [
    ("/api/v1/registrations/", "partner"),
    ("/api/v1/conflicts/", "registration"),
    ("/api/v1/memberships/", "partner"),
    ("/api/v1/partners/", "tier"),
    ("/api/v1/business-cases/", "model"),
    ("/api/v1/person-certifications/", "partner"),
]


@pytest.mark.parametrize(("path", "name"), ID_FILTERS)
@pytest.mark.parametrize("value", ["-2.35e+202", "99999999999999999999999", "1.5"])
def test_an_id_filter_out_of_range_is_a_400(path, name, value, ops, session_for):
    response = session_for(ops).get(path, {name: value})
    assert response.status_code == 400, response.content
    assert name in error_of(response)["details"]


def test_id_filters_are_documented_as_integers(schema):
    for path, name in ID_FILTERS:
        parameters = schema["paths"][path]["get"]["parameters"]
        (parameter,) = (p for p in parameters if p["name"] == name)
        assert parameter["schema"]["type"] == "integer", (path, name)
