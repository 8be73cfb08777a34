"""Program configuration in the browser: ops change the protection window and add a lead
routing rule in the portal, check it with the tester, and a new lead created in the portal
routes by it."""

import pytest

from deals.models import DealProgramSettings, Lead, LeadRoutingRule
from tests.factories import PartnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ops_configure_deal_rules_and_routing_and_a_new_lead_follows_them(login, ops, tiers):
    PartnerFactory(display_name="Berlin IT", hq_country="DE", tier=tiers[1])
    munich = PartnerFactory(display_name="Munich Systems", hq_country="DE", tier=tiers[2])
    LeadRoutingRule.objects.create(name="Anyone", priority=100)
    page = login(ops)
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )

    # The protection window, with the history showing the change.
    page.goto("/program/deal-rules/")
    page.select_option("select[name=protection_days]", "60")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/program/deal-rules/")
    assert "Deal rules saved" in page.inner_text(".messages")
    history = page.inner_text("[data-testid=history]")
    assert "protection_days" in history and "90" in history and "60" in history
    assert DealProgramSettings.current().protection_days == 60

    # A routing rule for German leads that targets Munich Systems.
    page.goto("/program/lead-routing/new/")
    page.fill("input[name=name]", "Germany to Munich")
    page.fill("input[name=priority]", "5")
    page.fill("input[name=countries]", "DE")
    page.select_option("select[name=partners]", label="Munich Systems")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/program/lead-routing/")
    assert "Germany to Munich" in page.inner_text("[data-testid=routing-rules]")

    # The tester names the partner before any lead exists.
    page.fill("[data-testid=routing-tester] input[name=country]", "DE")
    page.locator("[data-testid=routing-tester] button[type=submit]").click()
    page.wait_for_selector("[data-testid=routing-result]")
    assert "offered to Munich Systems" in page.inner_text("[data-testid=routing-result]")

    # A new lead, created as ops do in the portal, routes by the new rule.
    page.goto("/deals/leads/new/")
    page.fill("input[name=company_name]", "Bäckerei Huber GmbH")
    page.select_option("select[name=country]", "DE")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    assert "Lead offered to Munich Systems" in page.inner_text(".messages")
    lead = Lead.objects.get(company_name="Bäckerei Huber GmbH")
    assert (lead.partner, lead.routing_rule.name) == (munich, "Germany to Munich")
    assert violations == []
