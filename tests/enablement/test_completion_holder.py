"""The portal form, the API and the CSV import resolve a person's partner and office for a
certification completion by one rule (``services.resolve_holder``) and so agree on the tricky
cases: a person in two partners, an unknown office, an office of another partner."""

import datetime as dt

import pytest
from django.urls import reverse

from enablement.imports import import_completions
from enablement.models import PersonCertification
from tests.factories import MembershipFactory, OfficeFactory

from .factories import CertificationFactory
from .test_api_certifications import BASE, key_client

pytestmark = pytest.mark.django_db

EARNED = (dt.date.today() - dt.timedelta(days=10)).isoformat()


@pytest.fixture
def cert(db):
    return CertificationFactory(code="sales-pro")


@pytest.fixture
def berlin(globex):
    return OfficeFactory(partner=globex, name="Berlin")


@pytest.fixture
def in_two(acme, globex, acme_rep):
    """``acme_rep`` also works for Globex."""
    MembershipFactory(user=acme_rep, partner=globex)
    return acme_rep


def _form(client_for, ops, person, cert, *, partner=None, office=None):
    data = {"email": person.email, "certification": cert.pk, "earned_on": EARNED}
    data.update({"partner": partner.pk} if partner else {})
    data.update({"office": office.pk} if office else {})
    response = client_for(ops).post(reverse("enablement:certification_record"), data)
    return set(response.context["form"].errors) if response.status_code == 200 else set()


def _api(person, *, partner=None, office_name=""):
    body = {"email": person.email, "certification_code": "sales-pro", "earned_on": EARNED}
    body.update({"partner": partner.pk} if partner else {})
    body.update({"office": office_name} if office_name else {})
    response = key_client("enablement:write").post(
        BASE + "person-certifications/", body, format="json"
    )
    return set(response.json()["error"]["details"]) if response.status_code >= 400 else set()


def _import(ops, person, *, office_name=""):
    text = f"email,certification_code,earned_on,office\n{person.email},sales-pro,{EARNED},"
    (row,) = import_completions(actor=ops, text=text + office_name + "\n").report
    return row["outcome"]


def _holders():
    return set(PersonCertification.objects.values_list("partner__display_name", "office__name"))


def test_a_person_in_two_partners_must_say_which_everywhere(client_for, ops, cert, in_two):
    assert _form(client_for, ops, in_two, cert) == {"partner"}
    assert _api(in_two) == {"partner"}
    assert _import(ops, in_two) == "failed"
    assert not PersonCertification.objects.exists()


def test_an_office_names_the_partner_of_a_person_in_two_everywhere(
    client_for, ops, cert, in_two, berlin
):
    assert _form(client_for, ops, in_two, cert, office=berlin) == set()
    PersonCertification.objects.all().delete()
    assert _api(in_two, office_name="berlin") == set()
    PersonCertification.objects.all().delete()
    assert _import(ops, in_two, office_name="BERLIN") == "imported"
    assert _holders() == {("Globex", "Berlin")}


def test_an_unknown_office_is_refused_by_the_api_and_the_import(ops, cert, acme_rep, acme):
    assert _api(acme_rep, partner=acme, office_name="Atlantis") == {"office"}
    assert _import(ops, acme_rep, office_name="Atlantis") == "failed"
    assert not PersonCertification.objects.exists()


def test_an_office_of_another_partner_is_refused_everywhere(
    client_for, ops, cert, acme_rep, acme, berlin
):
    assert _form(client_for, ops, acme_rep, cert, office=berlin) == {"office"}
    assert _form(client_for, ops, acme_rep, cert, partner=acme, office=berlin) == {"office"}
    assert _api(acme_rep, partner=acme, office_name="Berlin") == {"office"}
    assert _api(acme_rep, office_name="Berlin") == {"office"}
    assert _import(ops, acme_rep, office_name="Berlin") == "failed"
    assert not PersonCertification.objects.exists()


def test_a_member_of_both_gets_no_office_of_the_other_partner(
    client_for, ops, cert, in_two, acme, berlin
):
    assert _form(client_for, ops, in_two, cert, partner=acme, office=berlin) == {"office"}
    assert _api(in_two, partner=acme, office_name="Berlin") == {"office"}
    assert not PersonCertification.objects.exists()
