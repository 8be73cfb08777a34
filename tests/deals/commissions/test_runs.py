"""Runs: idempotent, resumable after a crash, set-based, queued as a job, and a command."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deals.commissions.exceptions import CommissionNotAllowed
from deals.commissions.services import run_commission_calculation, start_commission_run
from deals.models import CommissionLine, CommissionRun, Spiff, Statement

from .conftest import IN_Q3, Q3, won_deal


def snapshot():
    return sorted(
        CommissionLine.objects.values_list("deal_id", "period", "rule_id", "kind", "amount")
    )


@pytest.fixture
def deals(acme, globex, margin_rule):
    from partners.models import CompensationPreference

    globex.compensation_preference = CompensationPreference.RESALE_MARGIN
    globex.save()
    Spiff.objects.create(name="Push", starts_on=IN_Q3, ends_on=IN_Q3, extra_rate=Decimal(2))
    return [won_deal(acme if n % 2 else globex, amount=f"{1000 + n}.33") for n in range(7)]


def test_a_second_run_creates_no_lines(deals, ops):
    first = run_commission_calculation(period=Q3, actor=ops)
    before = snapshot()
    second = run_commission_calculation(period=Q3, actor=ops)
    assert first.lines_created == 7 + 4  # seven deals, four spiff lines for the winner
    assert (second.lines_created, second.lines_updated) == (0, 0)
    assert snapshot() == before and Statement.objects.count() == 2


def test_a_run_interrupted_half_way_then_rerun_gives_exactly_the_same_lines(deals, ops):
    run_commission_calculation(period=Q3, actor=ops)
    expected = snapshot()
    CommissionLine.objects.all().delete()
    Statement.objects.all().delete()

    def crash(chunk):
        if chunk == 1:
            raise RuntimeError("worker lost")

    with pytest.raises(RuntimeError):
        run_commission_calculation(period=Q3, actor=ops, chunk_size=2, on_chunk=crash)
    crashed = CommissionRun.objects.latest("id")
    assert crashed.status == "failed" and crashed.rows_done == 4 and crashed.rows_total == 7
    assert 0 < CommissionLine.objects.count() < len(expected)
    rerun = run_commission_calculation(period=Q3, actor=ops, chunk_size=2)
    assert snapshot() == expected
    assert rerun.lines_created == len(expected) - 4


def test_the_number_of_queries_does_not_grow_with_the_number_of_deals(acme, margin_rule, ops):
    def queries_for(n):
        CommissionLine.objects.all().delete()
        for _ in range(n):
            won_deal(acme)
        with CaptureQueriesContext(connection) as ctx:
            run_commission_calculation(period=Q3, actor=ops)
        return len(ctx)

    assert queries_for(2) == queries_for(20)


def test_ops_queue_a_run_and_the_job_reports_progress(
    deals, ops, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = start_commission_run(actor=ops, period="2026-Q3")
    run.refresh_from_db()
    assert (run.period, run.status, run.rows_total, run.rows_done) == (Q3, "done", 7, 7)
    assert run.percent_done == 100 and run.lines_created == 11


def test_only_ops_run_the_calculation(deals, cam, acme_admin):
    for user in (cam, acme_admin):
        with pytest.raises(CommissionNotAllowed):
            start_commission_run(actor=user, period=Q3)


def test_the_command_calculates_a_period(deals):
    out = StringIO()
    call_command("calculate_commissions", "--period", "2026-Q3", stdout=out)
    assert out.getvalue().strip() == "FY2026-Q3: 7 deals, 11 lines created, 0 updated."
    call_command("calculate_commissions", "--period", "2026-Q3", stdout=out)
    assert "0 lines created" in out.getvalue().splitlines()[-1]
