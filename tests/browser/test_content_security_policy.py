"""Under the Content-Security-Policy, pages work in a real browser and it reports no violation."""

import pytest

from partners.api_keys import issue_api_key
from prm.models import ApiKey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def violations(page):
    """Every CSP violation the browser reports while the test runs."""
    seen = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


def test_the_api_docs_render_under_the_policy(page, violations):
    page.goto("/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Partner Portal API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator('.opblock-summary-path[data-path="/api/v1/accounts/"]').first.wait_for()
    # A long list of operations renders as it scrolls into view: the last one appears too.
    last = page.locator('.opblock-summary-path[data-path="/api/v1/webhook-event-types/"]')
    for _ in range(60):
        if last.count():
            break
        page.mouse.wheel(0, 4000)
        page.wait_for_timeout(100)
    assert last.count() == 1
    assert violations == []


def test_a_confirmation_asks_before_a_key_is_revoked(login, page, ops, violations):
    key, _secret = issue_api_key(name="CRM", scopes=["deals:read"], actor=ops)
    login(ops)
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.dismiss() if len(asked) == 1 else dialog.accept()

    page.on("dialog", answer)
    page.goto("/api-keys/")
    button = page.locator(f"[data-testid=api-key-{key.pk}] button")
    button.click()
    page.wait_for_timeout(300)
    assert len(asked) == 1
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None, "dismissed: nothing was sent"

    button.click()
    page.wait_for_load_state("networkidle")
    assert len(asked) == 2
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert violations == []


def test_portal_pages_with_meters_report_no_violation(login, page, ops, violations):
    login(ops)
    for url in ("/", "/deals/reports/sla/", "/partners/", "/audit/"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
    assert violations == []


def test_staff_enrol_an_authenticator_app_and_sign_in_with_its_code(
    page, settings, cam, password, violations
):
    from django.core.cache import cache

    from tests.security.mfa_helpers import totp_code

    settings.PRM_ENFORCE_MFA = True
    cache.clear()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", cam.email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    # Sent to enrolment, which first asks for the password again.
    assert "/accounts/reauthenticate/" in page.url
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    assert "/accounts/2fa/totp/activate/" in page.url
    assert page.locator("img[src^='data:image/svg+xml']").is_visible(), "the QR code shows"
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("input[name=code]", totp_code(secret))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")

    page.goto("/")
    assert page.locator("[data-testid=whoami]").inner_text() == "Casey Manager"
    page.goto("/accounts/2fa/recovery-codes/")
    page.wait_for_load_state("networkidle")
    assert violations == []
