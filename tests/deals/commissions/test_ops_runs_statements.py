"""Ops pages for runs, statements and payouts: who may see them, the run's progress partial,
single and bulk approval (with refusals reported per statement), payouts and the CSV exports."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.commissions.services import run_commission_calculation
from deals.commissions.statements import approve_statement
from deals.models import CommissionLine, CommissionRun, Payout, Statement
from prm.models import AuditEvent

from .conftest import AFTER_HOLDS, Q3, Q4, won_deal

NOT_OPS = ["acme_admin", "acme_rep", "globex_admin", "distri_admin", "cam", "other_cam"]


@pytest.fixture
def calculated(acme, globex, margin_rule, ops):
    from partners.models import CompensationPreference

    globex.compensation_preference = CompensationPreference.RESALE_MARGIN
    globex.save()
    won_deal(acme, amount="1000", closed_on=AFTER_HOLDS.replace(year=2026, month=7, day=2))
    won_deal(globex, amount="2000", closed_on=AFTER_HOLDS.replace(year=2026, month=7, day=3))
    run_commission_calculation(period=Q3, actor=ops)
    return {s.partner_id: s for s in Statement.objects.filter(period=Q3)}


def _text(response) -> str:
    return response.content.decode()


def _pages(statement, run) -> list[str]:
    return [
        reverse("deals:commission_run_list"),
        reverse("deals:commission_run_detail", args=[run.pk]),
        reverse("deals:commission_run_progress", args=[run.pk]),
        reverse("deals:commission_statement_list"),
        reverse("deals:commission_statement_detail", args=[statement.pk]),
        reverse("deals:commission_statements_csv"),
        reverse("deals:commission_payouts_csv"),
    ]


@pytest.mark.parametrize("persona", NOT_OPS)
def test_only_program_ops_reach_the_run_and_statement_pages(
    calculated, personas, persona, client_for, acme
):
    run = CommissionRun.objects.get()
    client = client_for(personas[persona])
    for url in _pages(calculated[acme.pk], run):
        assert client.get(url).status_code == 404, url
    posts = [
        reverse("deals:commission_statement_approve", args=[calculated[acme.pk].pk]),
        reverse("deals:commission_statement_bulk_approve"),
        reverse("deals:commission_run_list"),
    ]
    for url in posts:
        assert (
            client.post(url, {"period": Q3, "statement": [calculated[acme.pk].pk]}).status_code
            == 404
        )
    assert not Statement.objects.filter(status=Statement.Status.APPROVED).exists()
    assert CommissionRun.objects.count() == 1


def test_ops_see_every_page(calculated, ops, client_for, acme):
    client = client_for(ops)
    for url in _pages(calculated[acme.pk], CommissionRun.objects.get()):
        assert client.get(url).status_code == 200, url


def test_calculate_period_queues_a_run_that_the_worker_completes(
    acme, margin_rule, ops, client_for, django_capture_on_commit_callbacks
):
    won_deal(acme, amount="1000")
    client = client_for(ops)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("deals:commission_run_list"), {"period": "2026-q3"})
    run = CommissionRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:commission_run_detail", args=[run.pk])
    assert (run.period, run.status, run.lines_created) == (Q3, CommissionRun.Status.DONE, 1)
    assert AuditEvent.objects.filter(verb="commission_run_queued", actor=ops).exists()
    page = client.get(response["Location"])
    assert "The calculation is done." in _text(page)
    assert "hx-get" not in _text(page), "a finished run is not polled"


def test_an_invalid_period_is_a_form_error(ops, client_for):
    response = client_for(ops).post(reverse("deals:commission_run_list"), {"period": "FY2026"})
    assert response.status_code == 200
    assert "per quarter" in _text(response)
    assert not CommissionRun.objects.exists()


def test_the_progress_partial_polls_while_the_run_is_going_and_refreshes_when_done(ops, client_for):
    run = CommissionRun.objects.create(
        period=Q3, status=CommissionRun.Status.RUNNING, rows_total=200, rows_done=50
    )
    client = client_for(ops)
    url = reverse("deals:commission_run_progress", args=[run.pk])
    running = client.get(url, headers={"HX-Request": "true"})
    body = _text(running)
    assert 'hx-trigger="every 2s"' in body and 'value="25"' in body and "<progress" in body
    assert "HX-Refresh" not in running
    CommissionRun.objects.filter(pk=run.pk).update(
        status=CommissionRun.Status.FAILED, error="No exchange rate from EUR"
    )
    failed = client.get(url, headers={"HX-Request": "true"})
    assert failed["HX-Refresh"] == "true"
    assert "No exchange rate from EUR" in _text(failed) and "hx-get" not in _text(failed)


def test_approve_one_statement(calculated, acme, ops, client_for):
    statement = calculated[acme.pk]
    client = client_for(ops)
    response = client.post(reverse("deals:commission_statement_approve", args=[statement.pk]))
    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.status == Statement.Status.APPROVED
    assert AuditEvent.objects.filter(verb="statement_approved", actor=ops).count() == 1
    again = client.post(
        reverse("deals:commission_statement_approve", args=[statement.pk]), follow=True
    )
    assert "approved → approved" in _text(again) or "approved" in _text(again)
    assert AuditEvent.objects.filter(verb="statement_approved").count() == 1


def test_bulk_approve_approves_what_it_can_and_reports_each_refusal(
    calculated, acme, globex, ops, client_for
):
    already = calculated[globex.pk]
    approve_statement(statement=already, actor=ops)
    response = client_for(ops).post(
        reverse("deals:commission_statement_bulk_approve"),
        {"statement": [calculated[acme.pk].pk, already.pk, "x"]},
        follow=True,
    )
    body = _text(response)
    assert "1 statement approved." in body
    assert f"{already} was not approved" in body
    assert Statement.objects.get(pk=calculated[acme.pk].pk).status == Statement.Status.APPROVED
    assert AuditEvent.objects.filter(verb="statement_approved").count() == 2


def test_bulk_approve_without_a_choice_says_so(calculated, ops, client_for):
    response = client_for(ops).post(
        reverse("deals:commission_statement_bulk_approve"), {}, follow=True
    )
    assert "Tick the statements to approve." in _text(response)
    assert not Statement.objects.filter(status=Statement.Status.APPROVED).exists()


def test_bulk_approve_returns_to_the_filtered_list_but_never_off_site(calculated, ops, client_for):
    client = client_for(ops)
    url = reverse("deals:commission_statement_bulk_approve")
    ids = [s.pk for s in calculated.values()]
    back = reverse("deals:commission_statement_list") + "?period=FY2026-Q3"
    assert client.post(url, {"statement": ids[:1], "next": back})["Location"] == back
    away = client.post(url, {"statement": ids[1:], "next": "https://evil.example/"})
    assert away["Location"] == reverse("deals:commission_statement_list")


def test_the_statement_list_filters_by_period_and_status(calculated, acme, ops, client_for):
    approve_statement(statement=calculated[acme.pk], actor=ops)
    client = client_for(ops)
    url = reverse("deals:commission_statement_list")
    approved = client.get(url, {"status": "approved"})
    assert list(approved.context["page_obj"].object_list) == [calculated[acme.pk]]
    assert len(client.get(url, {"period": "FY2026-Q4"}).context["rows"]) == 0
    bad = client.get(url, {"period": "someday"})
    assert bad.status_code == 200 and "error" in _text(bad)


def test_the_page_names_the_earlier_drafts_approving_takes_along(calculated, acme, ops, client_for):
    won_deal(acme, amount="500", closed_on=AFTER_HOLDS.replace(year=2026, month=10, day=2))
    run_commission_calculation(period=Q4, actor=ops)
    q4 = Statement.objects.get(partner=acme, period=Q4)
    client = client_for(ops)
    page = _text(client.get(reverse("deals:commission_statement_detail", args=[q4.pk])))
    note = page.split('data-testid="earlier-drafts"', 1)[1].split("</p>", 1)[0]
    assert f'/statements/{calculated[acme.pk].pk}/">FY2026-Q3</a>' in note
    response = client.post(reverse("deals:commission_statement_approve", args=[q4.pk]), follow=True)
    assert "Statement approved, with the earlier draft statements of FY2026-Q3." in _text(response)
    assert 'data-testid="earlier-drafts"' not in _text(response)


def test_the_statement_list_query_count_does_not_grow_with_rows(
    calculated, ops, client_for, django_assert_max_num_queries
):
    from tests.factories import PartnerFactory

    client = client_for(ops)
    url = reverse("deals:commission_statement_list")
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for partner in PartnerFactory.create_batch(6):
        won_deal(partner, amount="100")
        Statement.objects.create(partner=partner, period=Q3, currency="EUR")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["rows"]) == 8


def test_the_statement_detail_traces_each_line_to_its_deal_rule_and_plan_version(
    calculated, acme, ops, client_for, margin_rule
):
    statement = calculated[acme.pk]
    body = _text(client_for(ops).get(
        reverse("deals:commission_statement_detail", args=[statement.pk])
    ))  # fmt: skip
    line = CommissionLine.objects.get(partner=acme)
    assert reverse("deals:deal_detail", args=[line.deal_id]) in body
    assert margin_rule.name in body and str(line.plan_version) in body
    assert "Approve statement" in body


def _pay(client, statement, **data):
    form = {
        "amount": "100.00",
        "paid_on": str(timezone.localdate()),
        "external_reference": "WIRE-7",
    }
    form.update(data)
    return client.post(reverse("deals:commission_statement_payout", args=[statement.pk]), form)


def test_record_a_payout(calculated, acme, ops, client_for):
    statement = calculated[acme.pk]
    approve_statement(statement=statement, actor=ops, today=AFTER_HOLDS)
    response = _pay(client_for(ops), statement, amount="100")
    assert response.status_code == 302
    payout = Payout.objects.get()
    assert (payout.amount, payout.external_reference) == (Decimal("100"), "WIRE-7")
    assert Statement.objects.get(pk=statement.pk).status == Statement.Status.PAID
    assert AuditEvent.objects.filter(verb="payout_recorded", actor=ops).exists()


def test_a_payout_that_does_not_match_is_a_form_error(calculated, acme, ops, client_for):
    statement = calculated[acme.pk]
    approve_statement(statement=statement, actor=ops, today=AFTER_HOLDS)
    response = _pay(client_for(ops), statement, amount="99.99")
    assert response.status_code == 400
    assert "The payout must equal the approved amount USD 100.00, not USD 99.99." in _text(response)
    assert not Payout.objects.exists()
    blank = _pay(client_for(ops), statement, external_reference="", amount="abc")
    assert blank.status_code == 400
    assert set(blank.context["payout_form"].errors) == {"amount", "external_reference"}
    ahead = _pay(client_for(ops), statement, paid_on="2999-01-01")
    assert "not ahead" in _text(ahead) and not Payout.objects.exists()


def test_a_payout_on_a_draft_statement_is_refused(calculated, acme, ops, client_for):
    response = _pay(client_for(ops), calculated[acme.pk])
    assert response.status_code == 400
    assert "Only an approved statement can be paid." in _text(response)


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_statement_export_is_streamed_and_formula_safe(calculated, acme, ops, client_for):
    acme.display_name = "=HYPERLINK(1)"
    acme.save()
    response = client_for(ops).get(reverse("deals:commission_statements_csv"), {"period": Q3})
    assert response.streaming
    rows = _rows(response)
    assert rows[0][:5] == ["statement_id", "partner", "period", "currency", "status"]
    by_partner = {row[1]: row for row in rows[1:]}
    assert set(by_partner) == {"'=HYPERLINK(1)", "Globex"}
    assert by_partner["'=HYPERLINK(1)"][6] == "100.00"  # earned


def test_the_payout_export_lists_payouts(calculated, acme, ops, client_for):
    statement = calculated[acme.pk]
    approve_statement(statement=statement, actor=ops, today=AFTER_HOLDS)
    _pay(client_for(ops), statement, external_reference="-WIRE")
    rows = _rows(client_for(ops).get(reverse("deals:commission_payouts_csv"), {"period": Q3}))
    assert len(rows) == 2
    # The amount in the currency's minor unit, as the statements CSV writes it.
    assert rows[1][5] == "100.00" and rows[1][7] == "'-WIRE"
