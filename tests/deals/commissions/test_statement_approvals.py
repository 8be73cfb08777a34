"""Approving every draft statement a filter matches, as a job: chunk by chunk with progress,
refusals listed with the reason, a stopped job continued without approving twice, and only
program ops may start, follow or continue one."""

from unittest import mock

import pytest
from django.urls import reverse

from deals.commissions import approvals
from deals.commissions.exceptions import CommissionError
from deals.commissions.services import run_commission_calculation
from deals.commissions.statements import approve_statement
from deals.models import Statement, StatementApproval
from prm.exceptions import PermissionDenied
from prm.jobs import fail_batch
from prm.models import AuditEvent

from .conftest import IN_Q3, IN_Q4, Q3, Q4, won_deal

NOT_OPS = ["acme_admin", "acme_rep", "globex_admin", "distri_admin", "cam", "other_cam"]
Status = StatementApproval.Status
DRAFT, APPROVED = Statement.Status.DRAFT, Statement.Status.APPROVED


@pytest.fixture(autouse=True)
def _one_per_chunk(monkeypatch):
    monkeypatch.setattr(StatementApproval, "chunk_size", 1)


@pytest.fixture
def statements(acme, globex, margin_rule, ops):
    """Draft statements of acme and globex for Q3 and of acme for Q4 (in id order)."""
    from partners.models import CompensationPreference

    globex.compensation_preference = CompensationPreference.RESALE_MARGIN
    globex.save()
    won_deal(acme, amount="1000", closed_on=IN_Q3)
    won_deal(globex, amount="2000", closed_on=IN_Q3)
    run_commission_calculation(period=Q3, actor=ops)
    won_deal(acme, amount="500", closed_on=IN_Q4)
    run_commission_calculation(period=Q4, actor=ops)
    return list(Statement.objects.filter(partner__in=[acme, globex]).order_by("pk"))


def statuses():
    return {s.pk: s.status for s in Statement.objects.all()}


def test_a_job_approves_the_draft_statements_it_is_given(statements, ops):
    q3 = [s for s in statements if s.period == Q3]
    approve_statement(statement=q3[0], actor=ops)  # approved already: not taken
    job = approvals.start_bulk_approval(
        statement_ids=[s.pk for s in statements], actor=ops, queue=False
    )
    assert (job.status, job.total, job.item_ids) == (
        Status.QUEUED, len(statements) - 1, [s.pk for s in statements[1:]],
    )  # fmt: skip
    job = approvals.run_bulk_approval(job.pk)
    assert (job.status, job.done, job.succeeded, job.skipped, job.percent) == (
        Status.DONE, job.total, job.total, [], 100,
    )  # fmt: skip
    assert set(statuses().values()) == {APPROVED}
    verbs = AuditEvent.objects.filter(verb__startswith="statement_bulk_approval")
    assert sorted(verbs.values_list("verb", flat=True)) == [
        "statement_bulk_approval.finished", "statement_bulk_approval.started",
    ]  # fmt: skip
    assert AuditEvent.objects.filter(verb="statement_approved").count() == len(statements)


def test_a_statement_approved_meanwhile_is_listed_with_the_reason(statements, ops):
    job = approvals.start_bulk_approval(
        statement_ids=[s.pk for s in statements], actor=ops, queue=False
    )
    approve_statement(statement=statements[1], actor=ops)  # by hand, while the job waits
    job = approvals.run_bulk_approval(job.pk)
    assert (job.succeeded, job.skipped_count) == (len(statements) - 1, 1)
    (row,) = job.skipped
    assert row["id"] == statements[1].pk and row["label"] == str(statements[1])
    assert "approved" in row["reason"]


def test_a_stopped_job_continues_without_approving_twice(statements, ops):
    job = approvals.start_bulk_approval(
        statement_ids=[s.pk for s in statements], actor=ops, queue=False
    )
    real = approvals.approve_together
    calls = []

    def dies_on_the_second(**kwargs):  # one statement per chunk
        calls.append(kwargs["statement_ids"])
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(**kwargs)

    from deals.commissions.tasks import approve_statements_task

    with (
        mock.patch.object(approvals, "approve_together", dies_on_the_second),
        pytest.raises(RuntimeError),
    ):
        approve_statements_task.apply(kwargs={"job_id": job.pk}, throw=True)
    job.refresh_from_db()
    assert (job.status, job.done, job.succeeded, job.error) == (Status.FAILED, 1, 1, "worker lost")
    assert list(statuses().values()).count(APPROVED) == 1

    approvals.resume_bulk_approval(job=job, actor=ops)
    job = approvals.run_bulk_approval(job.pk)
    assert (job.status, job.succeeded, job.skipped) == (Status.DONE, len(statements), [])
    assert AuditEvent.objects.filter(verb="statement_approved").count() == len(statements)
    with pytest.raises(CommissionError):
        approvals.resume_bulk_approval(job=job, actor=ops)


def test_nothing_to_approve_starts_nothing(statements, ops, personas):
    for statement in statements:
        approve_statement(statement=statement, actor=ops)
    with pytest.raises(CommissionError, match="nothing to approve"):
        approvals.start_bulk_approval(
            statement_ids=[s.pk for s in statements], actor=ops, queue=False
        )
    for name in NOT_OPS:
        with pytest.raises(PermissionDenied):
            approvals.start_bulk_approval(
                statement_ids=[s.pk for s in statements], actor=personas[name], queue=False
            )
    assert not StatementApproval.objects.exists()


# --- The statements page -----------------------------------------------------------------------


def test_ops_approve_every_draft_statement_a_filter_matches(
    statements, ops, client_for, django_capture_on_commit_callbacks
):
    client = client_for(ops)
    url = reverse("deals:commission_statement_bulk_approve")
    page = reverse("deals:commission_statement_list") + f"?period={Q3}"
    listed = client.get(page)
    assert b'data-testid="approve-all-matching"' in listed.content
    assert b'name="period" value="FY2026-Q3"' in listed.content  # the filter goes with the form
    with django_capture_on_commit_callbacks(execute=True):  # the job, eager in tests
        answer = client.post(url, {"all_matching": "1", "period": Q3, "next": page})
    assert answer["Location"] == page
    got = statuses()
    assert {got[s.pk] for s in statements if s.period == Q3} == {APPROVED}
    assert {got[s.pk] for s in statements if s.period == Q4} == {DRAFT}
    shown = client.get(page).content.decode()
    assert "The statements are approved." in shown
    assert "2 of 2 statements: 2 approved, 0 not approved" in shown


def test_the_page_polls_a_queued_job_and_ops_continue_a_stopped_one(
    statements, ops, client_for, django_capture_on_commit_callbacks
):
    client = client_for(ops)
    answer = client.post(
        reverse("deals:commission_statement_bulk_approve"), {"all_matching": "1"}, follow=True
    )
    assert b"Approving 3 statement(s) in the background" in answer.content
    job = StatementApproval.objects.get()
    progress = reverse("deals:commission_bulk_approval_progress", args=[job.pk])
    partial = client.get(progress, HTTP_HX_REQUEST="true")
    assert b"waiting for a worker" in partial.content and b"hx-get" in partial.content
    fail_batch(StatementApproval, job.pk, "the worker was stopped")
    stopped = client.get(reverse("deals:commission_statement_list")).content
    assert b"Approving the statements stopped." in stopped and b"the worker was stopped" in stopped
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("deals:commission_bulk_approval_resume", args=[job.pk]))
    assert set(statuses().values()) == {APPROVED}
    assert b"3 of 3 statements: 3 approved" in client.get(progress).content
    assert client.get(progress, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"


@pytest.mark.parametrize("persona", NOT_OPS)
def test_only_program_ops_reach_a_bulk_approval(statements, ops, personas, persona, client_for):
    job = approvals.start_bulk_approval(
        statement_ids=[s.pk for s in statements], actor=ops, queue=False
    )
    client = client_for(personas[persona])
    assert (
        client.post(
            reverse("deals:commission_statement_bulk_approve"), {"all_matching": "1"}
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("deals:commission_bulk_approval_progress", args=[job.pk])).status_code
        == 404
    )
    resume = reverse("deals:commission_bulk_approval_resume", args=[job.pk])
    assert client.post(resume).status_code == 404
    assert StatementApproval.objects.count() == 1 and set(statuses().values()) == {DRAFT}


# --- Approving together ----------------------------------------------------------------------


def test_together_each_statement_takes_its_own_lines_as_one_by_one(statements, ops, acme):
    from deals.commissions.statements import approve_together
    from deals.models import CommissionLine

    result = approve_together(statement_ids=[s.pk for s in statements], actor=ops)
    assert [s.pk for s in result.approved] == [s.pk for s in statements] and not result.refused
    by_period = {s.period: s for s in statements if s.partner_id == acme.pk}
    for line in CommissionLine.objects.filter(partner=acme):
        event = AuditEvent.objects.get(object_id=str(line.pk), verb__startswith="commission_line")
        # The Q3 statement takes the Q3 line, the Q4 statement what is left: the Q4 line.
        if line.status == CommissionLine.Status.APPROVED:
            assert event.reason == f"Statement {by_period[line.period]} approved"
        else:
            assert (line.status, event.reason) == ("held", "Within the hold period")
    approved = AuditEvent.objects.filter(verb="statement_approved")
    assert approved.count() == len(statements)
    for event in approved:
        assert event.data["approved"] + event.data["held"] == 1, event.data
    assert set(statuses().values()) == {APPROVED}


def test_together_refuses_what_is_not_a_draft_and_approves_the_rest(statements, ops):
    from deals.commissions.statements import approve_together

    approve_statement(statement=statements[0], actor=ops)
    result = approve_together(statement_ids=[s.pk for s in statements], actor=ops)
    assert [s.pk for s in result.approved] == [s.pk for s in statements[1:]]
    ((refused, error),) = result.refused
    assert refused.pk == statements[0].pk and error.details == {"from": APPROVED, "to": APPROVED}
    assert AuditEvent.objects.filter(verb="statement_approved").count() == len(statements)


def test_together_takes_the_same_queries_for_many_statements_as_for_one(
    acme, globex, margin_rule, ops
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from deals.commissions.statements import approve_together
    from partners.models import CompensationPreference

    globex.compensation_preference = CompensationPreference.RESALE_MARGIN
    globex.save()
    for currency in ("USD", "EUR", "GBP", "CAD"):
        for amount in ("100", "200"):
            won_deal(acme, amount=amount, closed_on=IN_Q3, currency=currency)
            won_deal(globex, amount=amount, closed_on=IN_Q3, currency=currency)
    run_commission_calculation(period=Q3, actor=ops)
    (first, *others) = Statement.objects.order_by("pk")
    assert len(others) == 7
    with CaptureQueriesContext(connection) as one:
        approve_together(statement_ids=[first.pk], actor=ops)
    with CaptureQueriesContext(connection) as many:
        approve_together(statement_ids=[s.pk for s in others], actor=ops)
    assert len(many.captured_queries) <= len(one.captured_queries)
