"""Lists in the browser: a manager decides three registrations at once; a partner exports its
filtered deals and gets exactly the rows on the page."""

import csv
from decimal import Decimal

import pytest

from deals.models import DealRegistration
from tests.deals.factories import DealFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Status = DealRegistration.Status


def test_a_cam_approves_three_registrations_in_one_bulk_action(login, acme, acme_rep, cam):
    deals = [
        DealFactory(partner=acme, registered_by=acme_rep, status=Status.SUBMITTED, customer_name=n)
        for n in ("Initech", "Hooli", "Vandelay")
    ]
    waiting = DealFactory(
        partner=acme, registered_by=acme_rep, status=Status.SUBMITTED, customer_name="Untouched"
    )
    page = login(cam)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/deals/review/")
    for deal in deals:
        page.check(f"input[name=ids][value='{deal.pk}']")
    form = page.locator("[data-testid=bulk-decision]")
    form.locator("select[name=decision]").select_option("approve")
    form.locator("textarea[name=reason]").fill("Clean registrations")
    form.get_by_role("button", name="Apply to ticked").click()
    page.wait_for_url("**/deals/review/bulk/")
    assert page.locator("[data-testid=bulk-summary]").inner_text() == "3 done, 0 refused."
    assert page.locator("[data-testid=bulk-result] tr.ok").count() == 3
    for deal in deals:
        deal.refresh_from_db()
        assert deal.status == Status.APPROVED
    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED


def test_a_partner_exports_its_filtered_deals_and_the_file_matches_the_list(
    login, acme, acme_admin, globex, globex_admin
):
    for n in range(4):
        DealFactory(
            partner=acme,
            registered_by=acme_admin,
            status=Status.SUBMITTED,
            estimated_amount=Decimal(1000 * (n + 1)),
        )
    DealFactory(partner=acme, registered_by=acme_admin, status=Status.APPROVED)
    DealFactory(partner=globex, registered_by=globex_admin, status=Status.SUBMITTED)
    page = login(acme_admin)
    page.goto("/deals/")
    page.select_option("#id_status", "submitted")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/deals/?*status=submitted*")
    page.get_by_role("link", name="Amount").click()
    page.wait_for_url("**sort=amount*")
    shown = [
        row.locator("td").first.inner_text() for row in page.locator("[data-testid=deal-row]").all()
    ]
    assert len(shown) == 4
    with page.expect_download() as download:
        page.click("[data-testid=export-csv]")
    with open(download.value.path(), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["Customer"] for r in rows] == shown
    assert {r["Status"] for r in rows} == {"Submitted"}
    assert {r["Partner"] for r in rows} == {"Acme"}
    assert [Decimal(r["Amount"]) for r in rows] == sorted(Decimal(r["Amount"]) for r in rows)
