"""A deal that clashes with another partner's protected account, from registration to decision."""

import datetime as dt

import pytest
from django.utils import timezone

from deals.models import DealRegistration
from prm.formatting import format_date
from tests.deals.factories import DealFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_registers_a_conflicting_deal_cam_compares_and_approves(
    login, acme_admin, globex_admin, globex, cam
):
    held = DealFactory(
        partner=globex,
        registered_by=globex_admin,
        status=DealRegistration.Status.APPROVED,
        customer_name="Initech Inc.",
        customer_domain="initech.com",
        country="US",
        first_submitted_at=timezone.now() - dt.timedelta(days=20),
        protected_until=timezone.now() + dt.timedelta(days=40),
    )

    # The partner registers the same account and is warned, without learning who holds it.
    page = login(acme_admin)
    page.goto("/deals/new/")
    page.fill("#id_customer_name", "Initech")
    page.fill("#id_customer_domain", "www.initech.com")
    page.select_option("#id_country", "US")
    warning = page.locator("[data-testid=precheck-warning]")
    warning.wait_for()
    assert f"already protected until {format_date(held.protected_until)}" in warning.inner_text()
    assert "Globex" not in page.content()
    page.fill("#id_contact_name", "Peter Gibbons")
    page.fill("#id_contact_email", "peter@initech.com")
    page.fill("#id_estimated_amount", "64000")
    page.select_option("#id_currency", "USD")
    close = timezone.localdate() + dt.timedelta(days=60)
    page.fill("#id_expected_close_date", close.isoformat())
    page.click("[data-testid=submit-registration]")
    page.wait_for_url("**/deals/*/")
    assert page.locator("[data-testid=deal-status]").inner_text() == "Submitted"
    registration = DealRegistration.objects.get(partner__display_name="Acme")

    # The manager sees it in the queue, compares both registrations and decides.
    page = login(cam)
    page.goto("/deals/review/")
    row = page.locator("[data-testid=queue-row]", has_text="Initech")
    assert "1 open" in row.inner_text()
    row.get_by_role("link", name="Decide").click()
    page.click("[data-testid=compare-link]")
    page.wait_for_url(f"**/deals/{registration.pk}/conflicts/")
    assert "Globex" in page.content()
    conflict = registration.conflicts.get()
    section = page.locator(f"[data-testid=conflict-{conflict.pk}]")
    section.locator("input[value=not_a_conflict]").check()
    section.locator("textarea").fill("Globex sells to Initech's US parent; this is the UK unit.")
    section.get_by_role("button", name="Record the decision").click()
    page.locator("[data-testid=conflict-decision]").wait_for()

    page.goto(f"/deals/{registration.pk}/review/")
    page.check("input[name=decision][value=approve]")
    page.fill("#id_reason", "Different business unit; approved.")
    page.click("[data-testid=decision-form] button[type=submit]")
    page.wait_for_url("**/deals/review/")
    assert "Decision recorded" in page.content()

    # The partner sees the decision and the protection date.
    page = login(acme_admin)
    page.goto(f"/deals/{registration.pk}/")
    registration.refresh_from_db()
    assert page.locator("[data-testid=deal-status]").inner_text() == "Approved"
    protected = page.locator("[data-testid=protected-until]").inner_text()
    assert protected == f"{registration.protected_until:%Y-%m-%d}"
    assert "Different business unit; approved." in page.content()
