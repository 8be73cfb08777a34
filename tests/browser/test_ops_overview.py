"""In a real browser: program ops find a work queue on their overview and land on its page,
filtered to the rows the figure counted."""

import pytest
from playwright.sync_api import expect

from deals.models import Statement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ops_follow_a_figure_of_the_overview_to_its_queue(login, page, ops, acme, globex):
    Statement.objects.create(partner=acme, period="FY2026-Q2", currency="USD")
    Statement.objects.create(partner=globex, period="FY2026-Q2", currency="EUR")
    Statement.objects.create(partner=acme, period="FY2026-Q1", currency="USD", status="paid")
    login(ops)
    page.goto("/")
    figure = page.locator("a.figure", has_text="Statements to approve")
    expect(figure.locator(".stat")).to_have_text("2")
    figure.click()
    page.wait_for_load_state("networkidle")
    assert "status=draft" in page.url
    expect(page.locator("input[name=statement]")).to_have_count(2)
