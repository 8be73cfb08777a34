"""Content-Security-Policy and Permissions-Policy on every kind of page the portal serves."""

import datetime as dt

import pytest
from django.urls import reverse

from enablement.models import Certification
from tests.enablement.factories import CertificationFactory, PersonCertificationFactory


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def assert_strict(response):
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"], "no inline or remote scripts anywhere"
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions


@pytest.fixture
def certificate(acme, acme_rep):
    return PersonCertificationFactory(
        user=acme_rep,
        partner=acme,
        certification=CertificationFactory(kind=Certification.Kind.SPECIALTY),
        earned_on=dt.date(2026, 3, 1),
        expires_on=dt.date(2099, 3, 1),
    )


def test_the_login_page(client, db):
    assert_strict(client.get(reverse("account_login")))


def test_a_portal_page_and_a_form_page(client_for, acme_rep):
    client = client_for(acme_rep)
    for url in (reverse("home"), reverse("deals:deal_create")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)


def test_an_error_page(client_for, acme_rep):
    response = client_for(acme_rep).get("/no-such-page/")
    assert response.status_code == 404
    assert_strict(response)


def test_the_api_docs_load_their_start_up_script_as_a_file(client, db):
    page = client.get(reverse("swagger-ui"))
    assert_strict(page)
    html = page.content.decode()
    assert "<script>" not in html and "<style>" not in html
    script = client.get(reverse("swagger-ui") + "?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_downloads_svg_and_pdf(client, client_for, certificate, acme_rep):
    badge = client.get(reverse("enablement:badge", args=[certificate.verification_code]))
    assert badge["Content-Type"].startswith("image/svg+xml")
    assert_strict(badge)
    pdf = client_for(acme_rep).get(reverse("enablement:certificate_pdf", args=[certificate.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert_strict(pdf)


def test_an_inline_style_is_allowed_only_with_the_pages_nonce(client_for, acme_rep):
    """Pages that use no nonce get none in the header; the nonce is never a blanket pass."""
    response = client_for(acme_rep).get(reverse("home"))
    assert not any(v.startswith("'nonce-") for v in directives(response)["style-src"])


def test_no_template_has_inline_handlers_style_attributes_or_inline_scripts():
    from pathlib import Path

    from django.conf import settings

    # Templates only rendered into PDF by WeasyPrint (never served as a page) keep a <style>.
    pdf_only = {"cobrand_document.html", "asset_sample.html", "certification_certificate.html"}
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text()
        if path.name in pdf_only:
            continue
        for needle in (' onclick="', ' onchange="', ' onsubmit="', ' style="', "<script>"):
            if needle in text:
                offenders.append(f"{path.name}: {needle.strip()}")
    assert offenders == []
