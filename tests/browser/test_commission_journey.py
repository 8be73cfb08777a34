"""A won deal's commission from the partner's outcome to the partner's payout, through program
ops' calculation, approval and payment; and the registration form's commission preview."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from deals.commissions import plans
from deals.commissions.periods import period_of
from deals.models import CommissionLine, CommissionRule, DealRegistration, Payout, Statement
from partners.models import CompensationPreference
from tests.deals.factories import DealFactory
from tests.pdf_text import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def violations(page):
    seen = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


@pytest.fixture
def program(ops):
    """Resale margin: 25 % partner-led (floor 20 %), 12 % vendor-assisted (floor 10 %)."""
    plan = plans.create_plan(actor=ops, name="Partner program", effective_from=dt.date(2020, 1, 1))
    for name, engagement, rate, floor in (
        ("Margin, partner-led", "partner_led", "25", "20"),
        ("Margin, vendor-assisted", "vendor_assisted", "12", "10"),
    ):
        plans.save_rule(actor=ops, plan=plan, name=name, engagement=engagement,
                        kind=CommissionRule.Kind.RESALE_MARGIN, rate=Decimal(rate),
                        floor_rate=Decimal(floor))  # fmt: skip
    return plan


def test_a_won_deal_is_calculated_approved_paid_and_seen_by_the_partner(
    login, program, acme, acme_admin, ops, violations
):
    acme.compensation_preference = CompensationPreference.RESALE_MARGIN
    acme.save()
    deal = DealFactory(
        partner=acme,
        registered_by=acme_admin,
        status=DealRegistration.Status.APPROVED,
        customer_name="Initech Inc.",
        engagement=DealRegistration.Engagement.PARTNER_LED,
        protected_until=timezone.now() + dt.timedelta(days=40),
    )
    closed_on = timezone.localdate() - dt.timedelta(days=40)  # past the 30 days' hold
    period = period_of(closed_on).label

    # The partner marks the deal won, and sees the floor that protects its margin.
    page = login(acme_admin)
    page.goto(f"/deals/{deal.pk}/")
    assert (
        "can never be cut below 20 %" in page.locator("[data-testid=commission-floor]").inner_text()
    )
    page.locator("#outcome summary").click()
    page.check("input[name=outcome][value=won]")
    page.fill("#id_closed_amount", "48000")
    page.fill("#id_closed_on", closed_on.isoformat())
    page.click("[data-testid=outcome-form] button[type=submit]")
    page.locator("[data-testid=deal-status]", has_text="Won").wait_for()

    # Ops calculate the period and watch the run's progress to the end.
    page = login(ops)
    page.goto("/deals/commissions/ops/runs/")
    form = page.locator("[data-testid=run-form]")
    form.locator("input[name=period]").fill(period)
    form.get_by_role("button", name="Calculate period").click()
    page.wait_for_url(re.compile(r".*/deals/commissions/ops/runs/\d+/$"))
    progress = page.locator("[data-testid=run-progress][data-status=done]")
    progress.wait_for()
    assert "1 of 1 deals: 1 lines created" in progress.inner_text()

    # ... approve the partner's statement and record the payout.
    page.click("[data-testid=run-statements]")
    statement = Statement.objects.get(partner=acme, period=period)
    page.locator(f"a[href='/deals/commissions/ops/statements/{statement.pk}/']").first.click()
    page.click("[data-testid=approve-statement]")
    page.locator("[data-testid=payout-form]").wait_for()
    assert page.locator("[data-testid=statement-payable]").inner_text().strip() == "USD 12,000.00"
    payout_form = page.locator("[data-testid=payout-form]")
    payout_form.locator("input[name=amount]").fill("12000.00")
    payout_form.locator("input[name=paid_on]").fill(timezone.localdate().isoformat())
    payout_form.locator("input[name=external_reference]").fill("WIRE-2026-0042")
    payout_form.get_by_role("button", name="Record payout").click()
    page.locator("[data-testid=payout-list]").wait_for()
    assert page.locator("[data-testid=statement-status]").inner_text() == "Paid"

    # The partner sees the payout, the paid line on the deal and the statement as a PDF.
    page = login(acme_admin)
    page.goto("/deals/commissions/")
    payout = Payout.objects.get(partner=acme)
    row = page.locator(f"[data-testid=payout-{payout.pk}]")
    assert "WIRE-2026-0042" in row.inner_text() and "USD 12,000.00" in row.inner_text()
    assert page.locator("[data-testid=paid-USD]").inner_text() == "USD 12,000.00"

    page.goto(f"/deals/{deal.pk}/")
    line = CommissionLine.objects.get(deal=deal)
    line_row = page.locator(f"[data-testid=commission-line-{line.pk}]")
    assert "USD 12,000.00" in line_row.inner_text() and "Paid" in line_row.inner_text()
    assert "Margin, partner-led" in line_row.inner_text()

    page.goto(f"/deals/commissions/statements/{statement.pk}/")
    assert "USD 12,000.00" in page.locator("[data-testid=statement-totals]").inner_text()
    with page.expect_download() as download:
        page.click("[data-testid=statement-pdf]")
    text = pdf_text(Path(download.value.path()).read_bytes())
    assert "Initech Inc." in text and "USD 12,000.00" in text and "WIRE-2026-0042" in text
    assert violations == []


def test_the_registration_form_shows_what_leading_the_deal_earns(
    login, program, acme, acme_admin, violations
):
    acme.compensation_preference = CompensationPreference.RESALE_MARGIN
    acme.save()
    page = login(acme_admin)
    page.goto("/deals/new/")
    panel = page.locator("[data-testid=commission-preview]")
    panel.wait_for()
    assert "Enter an amount" in panel.inner_text()

    page.fill("#id_estimated_amount", "10000")
    led = page.locator("[data-testid=preview-partner_led]")
    led.wait_for()
    assert "USD 2,500.00" in led.inner_text()
    assert "USD 1,200.00" in page.locator("[data-testid=preview-vendor_assisted]").inner_text()

    page.select_option("#id_currency", "EUR")
    page.locator("[data-testid=preview-partner_led]", has_text="EUR 2,500.00").wait_for()
    assert violations == []
