"""Likely duplicate applications are flagged to the reviewer (review page and API), never to
the applicant and never blocking: same normalised company name or website domain as an
existing partner or another open application."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from partners.duplicates import likely_duplicates
from partners.models import Application
from tests.api.test_applications_api import APPLICATIONS, FORM
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _apply(**fields) -> Application:
    response = APIClient().post(APPLICATIONS, {**FORM, **fields}, format="json")
    assert response.status_code == 201  # the applicant is never refused or told
    assert set(response.json()) == {"id", "status", "submitted_at"}
    return Application.objects.select_related("partner").get(pk=response.json()["id"])


def _flags(application):
    return [(d.partner_id, d.matched_on) for d in likely_duplicates(application)]


def test_a_copied_partner_name_is_flagged_however_it_is_spelled(acme):
    application = _apply(display_name="ACME\u200b", legal_name="Acme Corp.", website="")
    assert _flags(application) == [(acme.pk, "name")]


def test_a_website_on_a_partners_domain_is_flagged(globex):
    application = _apply(display_name="Totally New", website="https://www.globex.example/about")
    assert _flags(application) == [(globex.pk, "website")]


def test_two_open_applications_flag_each_other_and_a_declined_one_does_not_count(db):
    declined = ApplicationFactory(
        partner__display_name="Northwind", status=Application.Status.DECLINED
    )
    first = _apply(website="")
    second = _apply(contact_email="other@northwind.example", website="")
    assert _flags(first) == [(second.partner_id, "name")]
    assert _flags(second) == [(first.partner_id, "name")]
    assert declined.partner_id not in {pk for pk, _ in _flags(first)}


def test_a_distinct_applicant_is_not_flagged(acme, globex):
    assert _flags(_apply(website="https://northwind.example")) == []


def test_the_reviewer_sees_the_flag_on_the_review_page_and_in_the_api(client_for, ops, acme):
    application = _apply(display_name="Acme", website="")

    page = client_for(ops).get(reverse("partners:application_review", args=[application.pk]))
    api = APIClient()
    api.force_login(ops)
    detail = api.get(f"{APPLICATIONS}{application.pk}/").json()
    listed = api.get(APPLICATIONS).json()["results"]

    assert 'data-testid="likely-duplicates"' in page.content.decode()
    assert detail["likely_duplicates"] == [
        {
            "partner": acme.pk,
            "display_name": "Acme",
            "status": "active",
            "application": None,
            "matched_on": "name",
        }
    ]
    assert listed[0]["likely_duplicates"] == detail["likely_duplicates"]


def test_no_flag_on_the_review_page_without_a_duplicate(client_for, ops):
    application = _apply(website="")
    page = client_for(ops).get(reverse("partners:application_review", args=[application.pk]))
    assert 'data-testid="likely-duplicates"' not in page.content.decode()
