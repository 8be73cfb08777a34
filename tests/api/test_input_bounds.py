"""Public and partner input is checked against the columns it lands in: a value the database
cannot store is a 400 naming the field, never a server error (run on PostgreSQL too)."""

import pytest
from rest_framework.test import APIClient

from partners.models import Application

from .assertions import error_of
from .test_applications_api import APPLICATIONS, FORM

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customer_count", 13_395_455_610),
        ("technical_staff", 2**31),
        ("contact_title", "x" * 121),
        ("website", "https://example.com/" + "a" * 300),
    ],
)
def test_an_application_beyond_its_columns_is_a_400(db, field, value):
    response = APIClient().post(APPLICATIONS, {**FORM, field: value}, format="json")

    assert response.status_code == 400
    assert list(error_of(response)["details"]) == [field]
    assert not Application.objects.exists()


def test_invisible_characters_are_removed_from_applicant_names(db):
    form = {**FORM, "display_name": "North\u202ewind\u200b", "contact_name": "\ufeffNora North"}
    response = APIClient().post(APPLICATIONS, form, format="json")

    assert response.status_code == 201
    application = Application.objects.select_related("partner").get()
    assert (application.partner.display_name, application.contact_name) == (
        "Northwind",
        "Nora North",
    )


def test_a_name_of_only_invisible_characters_is_blank(db):
    response = APIClient().post(APPLICATIONS, {**FORM, "legal_name": "\u200b\u202e"}, format="json")

    assert response.status_code == 400
    assert list(error_of(response)["details"]) == ["legal_name"]


def test_a_reference_link_longer_than_its_column_is_a_400(db, acme_admin, acme):
    client = APIClient()
    client.force_login(acme_admin)
    response = client.post(
        "/api/v1/reference-implementations/",
        {
            "partner": acme.pk,
            "customer_name": "Init\u202eech",
            "scope": "2,000 seats",
            "completed_on": "2026-01-05",
            "evidence_url": "https://example.com/" + "a" * 200,
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(error_of(response)["details"]) == ["evidence_url"]


def test_a_limit_the_field_declares_is_reported_once(db):
    response = APIClient().post(APPLICATIONS, {**FORM, "contact_name": "x" * 151}, format="json")
    assert error_of(response)["details"]["contact_name"] == [
        "Ensure this field has no more than 150 characters."
    ]


def test_the_portal_application_form_cleans_names_and_bounds_columns_like_the_api(client, db):
    from django.urls import reverse

    from tests.partners.test_views_apply import valid_data

    url = reverse("partners:apply")
    long_site = "https://granitepeak.example/" + "a" * 200
    refused = client.post(url, valid_data(website=long_site))
    assert list(refused.context["form"].errors) == ["website"]

    client.post(
        url, valid_data(display_name="Granite\u202e Peak\u200b", contact_name="\ufeffLaura")
    )
    application = Application.objects.select_related("partner").get()
    assert (application.partner.display_name, application.contact_name) == (
        "Granite Peak",
        "Laura",
    )
