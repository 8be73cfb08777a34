"""Marketing development funds end to end: a partner requests funds, the channel account
manager approves, the partner claims with proof, ops pay, and the partner's balance and
history update."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from mdf.demo import took_place
from mdf.funds import services as funds
from mdf.models import FundRequest, ProofKind
from tests.mdf.conftest import PDF
from tests.mdf.factories import ActivityTypeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def funded(acme, tiers, ops):
    tiers[0].mdf_accrual_rate = Decimal("0.0300")
    tiers[0].save()
    ActivityTypeFactory(
        name="Webinar", max_vendor_share=Decimal("50"), required_proof=[ProofKind.INVOICE]
    )
    funds.allocate_funds(actor=ops, partner=acme, amount="5000", reason="Launch support")
    return acme


def test_request_approve_claim_pay_and_the_balance_follows(
    login, funded, acme_admin, cam, ops, tmp_path
):
    # The partner sees what is available and asks for half the cost of a webinar.
    page = login(acme_admin)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/mdf/")
    assert page.locator("[data-testid=total-available]").inner_text() == "USD 5,000.00"
    page.click("[data-testid=request-funds]")
    page.select_option("#id_activity_type", label="Webinar (up to 50% vendor share)")
    page.fill("#id_title", "Zero-trust webinar")
    start = timezone.localdate() + dt.timedelta(days=7)
    page.fill("#id_starts_on", start.isoformat())
    page.fill("#id_ends_on", start.isoformat())
    page.fill("#id_planned_cost", "2400")
    page.fill("#id_partner_contribution", "1200")
    page.fill("#id_requested_amount", "1200")
    page.fill("#id_expected_leads", "40")
    page.click("[data-testid=submit-request]")
    page.wait_for_url("**/mdf/requests/*/")
    assert page.locator("[data-testid=request-status]").inner_text() == "Submitted"
    fund_request = FundRequest.objects.get(title="Zero-trust webinar")

    # The channel account manager finds it in the queue and approves it in full.
    page = login(cam)
    page.goto("/mdf/queue/")
    row = page.locator("[data-testid=queue-row]", has_text="Zero-trust webinar")
    row.get_by_role("link", name="Decide").click()
    page.check("input[name=decision][value=approve]")
    page.click("[data-testid=decision-form] button[type=submit]")
    page.wait_for_url("**/mdf/queue/")
    assert "Decision recorded" in page.content()

    # The webinar takes place. The partner sees the reservation, then claims with the invoice.
    took_place(fund_request, days_ago=0)
    page = login(acme_admin)
    page.goto("/mdf/")
    assert page.locator("[data-testid=total-available]").inner_text() == "USD 3,800.00"
    assert page.locator("[data-testid=total-committed]").inner_text() == "USD 1,200.00"
    page.goto(f"/mdf/requests/{fund_request.pk}/")
    assert "Upload the invoice." in page.locator("[data-testid=missing]").inner_text()
    page.click("[data-testid=claim-link]")
    page.fill("#id_actual_cost", "2300")
    page.fill("#id_claimed_amount", "1150")
    page.fill("#id_leads", "52")
    page.fill("#id_pipeline", "96000")
    invoice = tmp_path / "invoice-0042.pdf"
    invoice.write_bytes(PDF)
    page.set_input_files("#id_proof_invoice", str(invoice))
    page.click("[data-testid=submit-claim]")
    page.wait_for_url(f"**/mdf/requests/{fund_request.pk}/")
    assert page.locator("[data-testid=request-status]").inner_text() == "Claim submitted"

    # The manager approves the claim; what it does not use goes back to the fund.
    page = login(cam)
    page.goto("/mdf/claims/")
    page.locator("[data-testid=claim-row]", has_text="Zero-trust webinar").get_by_role(
        "link", name="Review"
    ).click()
    assert "invoice-0042.pdf" in page.locator("[data-testid=proof-files]").inner_text()
    page.check("input[name=decision][value=approve]")
    page.click("[data-testid=claim-decision-form] button[type=submit]")
    page.wait_for_url("**/mdf/claims/")

    # Ops record the payment from the bulk page.
    page = login(ops)
    page.goto("/mdf/payments/")
    row = page.locator(f"[data-testid=payable-{fund_request.pk}]")
    assert row.locator(f"input[name=amount-{fund_request.pk}]").input_value() == "1150.00"
    row.locator("input[name=pay]").check()
    page.fill("#id_paid_on", timezone.localdate().isoformat())
    page.fill("#id_reference", "WIRE-2026-118")
    page.click("[data-testid=record-payments]")
    page.wait_for_url("**/mdf/payments/")
    assert "1 payment(s) recorded" in page.content()

    # The partner's balance and history follow every step.
    page = login(acme_admin)
    page.goto("/mdf/")
    assert page.locator("[data-testid=total-paid]").inner_text() == "USD 1,150.00"
    assert page.locator("[data-testid=total-committed]").inner_text() == "USD 0.00"
    assert page.locator("[data-testid=total-available]").inner_text() == "USD 3,850.00"
    page.goto(f"/mdf/requests/{fund_request.pk}/")
    assert page.locator("[data-testid=request-status]").inner_text() == "Paid"
    assert "WIRE-2026-118" in page.locator("[data-testid=payment]").locator("..").inner_text()
    history = page.locator("[data-testid=history]").inner_text()
    for step in ("Submitted for approval", "Approved; funds reserved", "Claim submitted",
                 "Claim approved", "Paid"):  # fmt: skip
        assert step in history

    # The program view draws its charts under the Content-Security-Policy too.
    page = login(ops)
    page.goto("/mdf/program/")
    assert page.locator("[data-testid=chart-utilization] rect.bar").count() >= 1
    assert violations == []
