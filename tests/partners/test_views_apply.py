"""The public "become a partner" form."""

import pytest
from django.core import mail
from django.urls import reverse

from partners.models import Application, Partner
from prm.models import AuditEvent, Notification
from tests.factories import ApplicationFactory

URL = reverse("partners:apply")


def valid_data(**overrides):
    data = {
        "legal_name": "Granite Peak Solutions LLC",
        "display_name": "Granite Peak",
        "website": "granitepeak.example",
        "hq_country": "us",
        "regions_served": ["NA", "EMEA"],
        "business_model": "reseller",
        "compensation_preference": "margin",
        "target_sectors": "manufacturing, logistics, manufacturing",
        "solution_stack": "Azure\nSAP",
        "customer_count": "140",
        "technical_staff": "6",
        "executive_sponsor": "Laura Kim, COO",
        "contact_name": "Laura Kim",
        "contact_title": "COO",
        "contact_email": "Laura.Kim@GranitePeak.example",
        "message": "Our customers ask for you.",
        "fax_number": "",
    }
    data.update(overrides)
    return data


def test_anyone_can_open_the_form_without_an_account(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert b'data-testid="application-form"' in response.content
    # The country is chosen by name; the code is what is stored.
    assert b'<option value="GB">United Kingdom</option>' in response.content


def test_a_valid_application_creates_an_applied_partner_and_tells_ops(
    client, ops, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, valid_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:apply_thanks")

    application = Application.objects.get()
    partner = application.partner
    assert partner.status == Partner.Status.APPLIED
    assert partner.display_name == "Granite Peak"
    assert partner.hq_country == "US"
    assert partner.website == "https://granitepeak.example"
    assert partner.domains == ["granitepeak.example"]
    assert partner.regions_served == ["NA", "EMEA"]
    assert partner.target_sectors == ["manufacturing", "logistics"]
    assert partner.solution_stack == ["Azure", "SAP"]
    assert application.contact_email == "laura.kim@granitepeak.example"
    assert application.customer_count == 140
    assert AuditEvent.objects.filter(verb="partner.applied", object_id=str(partner.pk)).exists()
    assert Notification.objects.filter(user=ops, kind="partners.application_submitted").exists()
    assert [m.to for m in mail.outbox] == [[ops.email]]
    assert client.get(response["Location"]).status_code == 200


def test_the_trading_name_defaults_to_the_legal_name(client, db):
    client.post(URL, valid_data(display_name=""))
    assert Partner.objects.get().display_name == "Granite Peak Solutions LLC"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hq_country", "USA", "Use the two-letter country code"),
        ("hq_country", "U1", "Use the two-letter country code"),
        ("hq_country", "UK", "UK is not a country code we know"),
        ("business_model", "", "This field is required"),
        ("business_model", "pirate", "Select a valid choice"),
        ("website", "not a website", "Enter a valid URL"),
        ("contact_email", "laura@", "Enter a valid email address"),
        ("customer_count", "-3", "greater than or equal to 0"),
        ("regions_served", [], "This field is required"),
    ],
)
def test_bad_answers_get_a_helpful_error_and_nothing_is_stored(client, db, field, value, message):
    response = client.post(URL, valid_data(**{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert b"Please correct the fields marked below" in response.content
    assert not Partner.objects.exists()


def test_a_second_application_from_the_same_address_is_refused_while_one_waits(client, db):
    ApplicationFactory(contact_email="laura.kim@granitepeak.example")
    response = client.post(URL, valid_data())
    assert response.status_code == 200
    assert "already waiting for review" in response.context["form"].errors["contact_email"][0]
    assert Application.objects.count() == 1


def test_a_declined_applicant_may_apply_again(client, db):
    ApplicationFactory(
        contact_email="laura.kim@granitepeak.example", status=Application.Status.DECLINED
    )
    assert client.post(URL, valid_data()).status_code == 302
    assert Application.objects.count() == 2


def test_a_bot_filling_the_hidden_field_is_thanked_but_nothing_is_stored(client, db):
    response = client.post(URL, valid_data(fax_number="+1 555 0100"))
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:apply_thanks")
    assert not Partner.objects.exists()
