"""In a real browser, under the Content-Security-Policy: the run page polls its progress while
the worker calculates and shows the result when it is over; ops approve a statement in bulk
and record its payout; ops reverse a line with a reason the partner then sees."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deals.commissions import plans
from deals.models import CommissionRule, CommissionRun, DealRegistration, Payout, Statement
from tests.deals.factories import DealFactory

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


def test_the_run_page_follows_the_progress_until_the_run_is_done(login, page, ops, violations):
    run = CommissionRun.objects.create(
        period="FY2026-Q3", status=CommissionRun.Status.RUNNING, rows_total=100, rows_done=10
    )
    login(ops)
    page.goto(f"/deals/commissions/ops/runs/{run.pk}/")
    progress = page.locator("[data-testid=run-progress] progress")
    assert progress.get_attribute("value") == "10"
    CommissionRun.objects.filter(pk=run.pk).update(rows_done=60)
    expect(page.locator("[data-testid=run-progress] progress")).to_have_attribute("value", "60")
    CommissionRun.objects.filter(pk=run.pk).update(
        status=CommissionRun.Status.DONE, rows_done=100, lines_created=42,
        finished_at=timezone.now(),
    )  # fmt: skip
    page.get_by_text("The calculation is done.").wait_for()
    assert "42 lines created" in page.locator("[data-testid=run-counts]").inner_text()
    assert violations == []


def test_ops_calculate_approve_in_bulk_and_record_the_payout(
    login, page, ops, acme, settings, violations
):
    settings.PRM_FISCAL_YEAR_START_MONTH = 1
    settings.PRM_COMMISSION_HOLD_DAYS = 0
    today = timezone.localdate()
    plan = plans.create_plan(actor=ops, name="Standard", effective_from=dt.date(2020, 1, 1))
    plans.save_rule(actor=ops, plan=plan, name="Margin", kind=CommissionRule.Kind.RESALE_MARGIN,
                    rate=Decimal("10"))  # fmt: skip
    DealFactory(partner=acme, status=DealRegistration.Status.WON, closed_amount=Decimal(5000),
                closed_on=today - dt.timedelta(days=1) if today.day > 1 else today)  # fmt: skip
    login(ops)
    page.goto("/deals/commissions/ops/runs/")
    page.get_by_role("button", name="Calculate period").click()
    page.get_by_text("The calculation is done.").wait_for()
    page.get_by_test_id("run-statements").click()
    statement = Statement.objects.get()
    page.get_by_label(f"Select {statement}").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Approve selected").click()
    page.get_by_text("1 statement approved.").wait_for()
    page.get_by_role("link", name="Acme").click()
    assert page.get_by_label("Amount paid").input_value() == "500.00"
    page.get_by_label("Payment reference").fill("WIRE-2026-001")
    page.get_by_role("button", name="Record payout").click()
    page.get_by_text("Payout recorded; the statement is paid.").wait_for()
    assert Payout.objects.get().external_reference == "WIRE-2026-001"
    assert violations == []


def test_ops_approve_every_draft_statement_of_a_period_and_watch_the_job(
    login, page, ops, acme, globex, settings, violations
):
    from deals.commissions.approvals import run_bulk_approval
    from deals.commissions.services import run_commission_calculation
    from deals.models import StatementApproval
    from partners.models import CompensationPreference
    from prm.celery import app

    settings.PRM_FISCAL_YEAR_START_MONTH = 1
    plan = plans.create_plan(actor=ops, name="Standard", effective_from=dt.date(2020, 1, 1))
    plans.save_rule(actor=ops, plan=plan, name="Margin", kind=CommissionRule.Kind.RESALE_MARGIN,
                    rate=Decimal("10"))  # fmt: skip
    globex.compensation_preference = CompensationPreference.RESALE_MARGIN
    globex.save()
    for partner in (acme, globex):
        DealFactory(partner=partner, status=DealRegistration.Status.WON,
                    closed_amount=Decimal(5000), closed_on=dt.date(2026, 8, 10))  # fmt: skip
    run_commission_calculation(period="FY2026-Q3", actor=ops)
    assert Statement.objects.filter(status=Statement.Status.DRAFT).count() == 2

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # a worker picks the job up; the test plays it
    try:
        login(ops)
        page.goto("/deals/commissions/ops/statements/?period=FY2026-Q3")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_test_id("approve-all-matching").click()
        page.get_by_text("Approving 2 statement(s) in the background").wait_for()
        counts = page.get_by_test_id("approval-counts")
        assert "0 of 2 statements" in counts.inner_text()

        run_bulk_approval(StatementApproval.objects.get().pk)
        page.get_by_test_id("approval-status").filter(
            has_text="The statements are approved."
        ).wait_for(timeout=15_000)
        # The page reloads once the job is over: both statements show as approved.
        expect(page.locator("[data-testid=statement-list] .statement-approved")).to_have_count(2)
        assert "2 of 2 statements: 2 approved, 0 not approved" in counts.inner_text()
    finally:
        app.conf.task_always_eager = eager
    assert set(Statement.objects.values_list("status", flat=True)) == {Statement.Status.APPROVED}
    assert violations == []


def test_ops_reverse_a_line_and_the_partner_sees_why(
    login, page, ops, acme, acme_admin, settings, violations
):
    from deals.commissions.services import run_commission_calculation
    from deals.models import CommissionLine

    settings.PRM_FISCAL_YEAR_START_MONTH = 1
    plan = plans.create_plan(actor=ops, name="Standard", effective_from=dt.date(2020, 1, 1))
    plans.save_rule(actor=ops, plan=plan, name="Margin", kind=CommissionRule.Kind.RESALE_MARGIN,
                    rate=Decimal("10"))  # fmt: skip
    DealFactory(partner=acme, status=DealRegistration.Status.WON, closed_amount=Decimal(5000),
                closed_on=dt.date(2026, 8, 10), customer_name="Initech")  # fmt: skip
    run_commission_calculation(period="FY2026-Q3", actor=ops)
    line = CommissionLine.objects.get()
    statement = Statement.objects.get()
    login(ops)
    page.goto(f"/deals/commissions/ops/statements/{statement.pk}/")
    page.get_by_test_id(f"reverse-line-{line.pk}").click()
    page.get_by_label("Why will this line not be paid?").fill("Duplicate of deal #812")
    page.get_by_role("button", name="Reverse line").click()
    page.get_by_text("Line reversed").wait_for()
    assert page.url.endswith(f"/deals/commissions/ops/statements/{statement.pk}/")
    line.refresh_from_db()
    assert (line.status, line.reversal_reason) == ("reversed", "Duplicate of deal #812")
    assert violations == []

    login(acme_admin)
    page.goto(f"/deals/commissions/statements/{statement.pk}/")
    expect(page.get_by_test_id("reversal-reason")).to_have_text("Duplicate of deal #812")
    expect(page.get_by_test_id(f"reverse-line-{line.pk}")).to_have_count(0)
