"""Badges, public verification and PDF certificates."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from enablement.badges import badge_svg, certificate_html, certificate_pdf
from enablement.models import Certification

from .factories import CertificationFactory, PersonCertificationFactory


@pytest.fixture
def specialty(acme, acme_rep):
    cert = CertificationFactory(
        code="sec-spec", name="Security Specialty", kind=Certification.Kind.SPECIALTY
    )
    return PersonCertificationFactory(
        user=acme_rep,
        partner=acme,
        certification=cert,
        earned_on=dt.date(2026, 3, 1),
        expires_on=dt.date(2027, 3, 1),
    )


def at(day):
    return time_machine.travel(dt.datetime.fromisoformat(day + "T12:00:00+00:00"), tick=False)


def test_verification_codes_are_random_and_url_safe(specialty, acme, acme_rep):
    other = PersonCertificationFactory(user=acme_rep, partner=acme)
    assert specialty.verification_code != other.verification_code
    assert len(specialty.verification_code) >= 22
    assert reverse("enablement:verify", args=[specialty.verification_code])


def test_the_badge_shows_name_partner_and_validity_and_is_cacheable(client, specialty):
    with at("2026-06-01"):
        response = client.get(reverse("enablement:badge", args=[specialty.verification_code]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    svg = response.content.decode()
    assert svg.startswith("<svg")
    assert "Security Specialty" in svg and "Acme" in svg and "Valid until 2027-03-01" in svg
    assert "EXPIRED" not in svg


def test_an_expired_badge_is_greyed_and_says_expired(specialty):
    with at("2027-03-02"):
        svg = badge_svg(specialty)
    assert "EXPIRED" in svg and "#9e9e9e" in svg
    assert "Valid until" not in svg


def test_badges_escape_what_partners_typed(acme, specialty):
    acme.display_name = 'Acme <script>"x"</script>'
    acme.save()
    specialty.refresh_from_db()
    svg = badge_svg(specialty)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_only_specialty_certifications_have_badges(client, acme, acme_rep):
    plain = PersonCertificationFactory(user=acme_rep, partner=acme)
    for code in (plain.verification_code, "no-such-code"):
        assert client.get(reverse("enablement:badge", args=[code])).status_code == 404


def test_verification_of_a_valid_certificate_shows_only_public_facts(client, specialty):
    with at("2026-06-01"):
        response = client.get(reverse("enablement:verify", args=[specialty.verification_code]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "valid until" in page
    for fact in ("Rex Rep", "Acme", "Security Specialty"):
        assert fact in page
    assert specialty.user.email not in page
    assert "Sign out" not in page  # public: no login, no navigation


def test_verification_of_an_expired_certificate_says_when(client, specialty):
    with at("2027-04-01"):
        response = client.get(reverse("enablement:verify", args=[specialty.verification_code]))
    assert response.status_code == 200
    assert "expired on" in response.content.decode()


def test_an_unknown_code_is_a_friendly_404(client, specialty):
    response = client.get(reverse("enablement:verify", args=["not-a-real-code"]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "No such certificate" in page
    assert "Acme" not in page


def test_the_certificate_pdf_is_rendered_from_the_html(specialty):
    html = certificate_html(specialty, base_url="https://portal.example")
    assert "Rex Rep" in html and "Security Specialty" in html and "Acme" in html
    assert f"https://portal.example/enablement/verify/{specialty.verification_code}/" in html
    assert certificate_pdf(specialty).startswith(b"%PDF")


@pytest.mark.parametrize(
    "persona,status",
    [
        ("acme_rep", 200),  # the holder
        ("acme_admin", 200),  # the partner's admin
        ("cam", 200),
        ("ops", 200),
        ("globex_admin", 404),
        ("other_cam", 404),
        ("distri_admin", 200),  # Acme's distributor administers its resellers' teams
    ],
)
def test_the_pdf_is_for_the_holder_the_partner_the_cam_and_ops(
    client_for, personas, persona, status, specialty
):
    url = reverse("enablement:certificate_pdf", args=[specialty.pk])
    response = client_for(personas[persona]).get(url)
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


def test_another_rep_of_the_same_partner_cannot_download_it(client_for, acme, specialty):
    from tests.factories import MembershipFactory

    colleague = MembershipFactory(partner=acme).user
    url = reverse("enablement:certificate_pdf", args=[specialty.pk])
    assert client_for(colleague).get(url).status_code == 404
