"""Ops reverse a commission line (the decision not to pay it) with a reason the partner sees, in
the portal and the API; the partner's admins hear of it and of every payout recorded."""

import csv
import io

import pytest
from django.urls import reverse

from deals.commissions.exceptions import CommissionError, CommissionNotAllowed
from deals.commissions.services import reverse_line, run_commission_calculation
from deals.commissions.statements import approve_statement, statement_totals
from deals.models import CommissionLine, Statement
from prm.models import AuditEvent, EmailDelivery, Notification
from prm.webhooks import services as webhooks
from tests.deals.api_support import error_of, session
from tests.pdf_text import pdf_text

from .conftest import AFTER_HOLDS, Q3, pay_everything, won_deal

S = CommissionLine.Status
LINES = "/api/v1/commission-lines/"
NOT_OPS = ["acme_admin", "acme_rep", "globex_admin", "distri_admin", "cam", "other_cam"]
WHY = "Duplicate of deal #812, paid there"


@pytest.fixture
def line(acme, margin_rule, ops):
    won_deal(acme, amount="1000", customer_name="Initech")
    run_commission_calculation(period=Q3, actor=ops)
    return CommissionLine.objects.get()


def statement_of(line) -> Statement:
    return Statement.objects.get(partner_id=line.partner_id, period=line.period)


def reverse_url(line) -> str:
    return reverse("deals:commission_line_reverse", args=[line.pk])


# --- The service ------------------------------------------------------------------------------


def test_reversing_keeps_the_reason_on_the_line_and_in_the_audit_row(line, ops):
    reverse_line(actor=ops, line=line, reason=f"  {WHY} ")
    line.refresh_from_db()
    assert (line.status, line.reversal_reason) == (S.REVERSED, WHY)
    event = AuditEvent.objects.get(verb="commission_line_reversed", object_id=str(line.pk))
    assert (event.actor, event.from_state, event.to_state, event.reason) == (
        ops, S.PENDING, S.REVERSED, WHY
    )  # fmt: skip


def test_the_partners_admins_and_nobody_else_hear_of_a_reversal(
    line, ops, acme_admin, acme_rep, globex_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reverse_line(actor=ops, line=line, reason=WHY)
    note = Notification.objects.get(kind="commission_line_reversed")
    assert note.user == acme_admin
    assert "Initech" in note.title and WHY in note.body
    assert note.url == reverse("deals:commission_statement", args=[statement_of(line).pk])
    email = EmailDelivery.objects.get(kind="commission_line_reversed")
    assert email.recipient == acme_admin.email and WHY in email.body
    assert not Notification.objects.filter(user__in=[acme_rep, globex_admin]).exists()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 256])
def test_a_reversal_needs_a_reason_of_at_most_255_characters(line, ops, reason):
    with pytest.raises(CommissionError):
        reverse_line(actor=ops, line=line, reason=reason)
    line.refresh_from_db()
    assert (line.status, line.reversal_reason) == (S.PENDING, "")
    assert not Notification.objects.exists()


@pytest.mark.parametrize("persona", NOT_OPS)
def test_only_program_ops_reverse_a_line(line, personas, persona):
    with pytest.raises(CommissionNotAllowed):
        reverse_line(actor=personas[persona], line=line, reason=WHY)
    line.refresh_from_db()
    assert line.status == S.PENDING


def test_a_line_reversed_on_an_approved_statement_leaves_what_is_payable(line, acme, ops):
    won_deal(acme, amount="500", customer_name="Umbrella")
    run_commission_calculation(period=Q3, actor=ops)
    statement = statement_of(line)
    approve_statement(statement=statement, actor=ops, today=AFTER_HOLDS)
    before = statement_totals(statement).payable
    line.refresh_from_db()
    reverse_line(actor=ops, line=line, reason=WHY)
    assert statement_totals(statement).payable == before - line.amount
    assert line.amount > 0 and statement_totals(statement).payable > 0


def test_webhook_endpoints_hear_the_reversal_with_the_line_as_the_api_shows_it(line, ops, acme):
    webhooks.create_endpoint(
        actor=ops, url="https://vendor.example/h", event_types=["commission_line.reversed"]
    )
    reverse_line(actor=ops, line=line, reason=WHY)
    (delivery,) = webhooks.WebhookDelivery.objects.all()
    body = delivery.payload
    assert (body["type"], body["partner_id"]) == ("commission_line.reversed", acme.pk)
    shown = body["data"]["object"]
    assert (shown["id"], shown["status"], shown["reversal_reason"]) == (line.pk, S.REVERSED, WHY)


def test_the_partners_admins_hear_of_each_payout(
    line, ops, acme_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (payout,) = pay_everything(Q3, ops)
    note = Notification.objects.get(kind="commission_paid")
    assert note.user == acme_admin
    assert "100.00" in note.title and Q3 in note.title
    assert payout.external_reference in note.body
    assert note.url == reverse("deals:commission_statement", args=[payout.statement_id])


def test_the_spiff_earned_on_a_reversed_line_is_reversed_with_it(
    acme, acme_admin, margin_rule, ops, django_capture_on_commit_callbacks
):
    import datetime as dt
    from decimal import Decimal

    from deals.models import Spiff

    Spiff.objects.create(
        name="Q3 push", starts_on=dt.date(2026, 7, 1), ends_on=dt.date(2026, 9, 30),
        threshold_amount=Decimal("500"), extra_rate=Decimal("5"),
    )  # fmt: skip
    won_deal(acme, amount="1000", customer_name="Initech")
    kept = won_deal(acme, amount="2000", customer_name="Umbrella")
    run_commission_calculation(period=Q3, actor=ops)
    margin = CommissionLine.objects.get(deal__customer_name="Initech", kind="margin")
    with django_capture_on_commit_callbacks(execute=True):
        reverse_line(actor=ops, line=margin, reason=WHY)
    spiff = CommissionLine.objects.get(deal=margin.deal, kind="spiff")
    assert spiff.status == S.REVERSED and WHY in spiff.reversal_reason
    assert CommissionLine.objects.filter(deal=kept, status=S.PENDING).count() == 2
    note = Notification.objects.get(kind="commission_line_reversed")
    assert "spiff line of USD 5.00" in note.body
    run_commission_calculation(period="FY2026-Q4", actor=ops)  # never paid again
    assert not CommissionLine.objects.filter(deal=margin.deal, period="FY2026-Q4").exists()


# --- The portal -------------------------------------------------------------------------------


def test_ops_reverse_a_line_from_its_statement(line, ops, client_for):
    client = client_for(ops)
    statement_url = reverse("deals:commission_statement_detail", args=[statement_of(line).pk])
    page = client.get(statement_url).content.decode()
    assert f'data-testid="reverse-line-{line.pk}"' in page
    form = client.get(reverse_url(line) + f"?next={statement_url}")
    assert form.status_code == 200 and b'data-testid="reverse-form"' in form.content
    response = client.post(reverse_url(line), {"reason": WHY, "next": statement_url})
    assert response.status_code == 302 and response["Location"] == statement_url
    line.refresh_from_db()
    assert (line.status, line.reversal_reason) == (S.REVERSED, WHY)
    page = client.get(statement_url).content.decode()
    assert WHY in page and f'data-testid="reverse-line-{line.pk}"' not in page


def test_without_a_safe_next_the_page_returns_to_the_lines_statement(line, ops, client_for):
    response = client_for(ops).post(
        reverse_url(line), {"reason": WHY, "next": "https://elsewhere.example/"}
    )
    assert response["Location"] == reverse(
        "deals:commission_statement_detail", args=[statement_of(line).pk]
    )


def test_a_missing_reason_is_a_form_error_and_changes_nothing(line, ops, client_for):
    response = client_for(ops).post(reverse_url(line), {"reason": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    line.refresh_from_db()
    assert (
        line.status == S.PENDING
        and not AuditEvent.objects.filter(verb="commission_line_reversed").exists()
    )


def test_a_paid_line_offers_no_reversal_and_refuses_one(line, ops, client_for):
    pay_everything(Q3, ops)
    client = client_for(ops)
    page = client.get(reverse_url(line))
    assert b'data-testid="not-reversible"' in page.content
    assert b'data-testid="reverse-form"' not in page.content
    response = client.post(reverse_url(line), {"reason": WHY})
    assert response.status_code == 400
    assert "cannot move" in " ".join(response.context["form"].non_field_errors())
    line.refresh_from_db()
    assert line.status == S.PAID


@pytest.mark.parametrize("persona", NOT_OPS)
def test_the_reversal_page_is_404_to_everyone_but_ops(line, personas, persona, client_for):
    client = client_for(personas[persona])
    assert client.get(reverse_url(line)).status_code == 404
    assert client.post(reverse_url(line), {"reason": WHY}).status_code == 404
    line.refresh_from_db()
    assert line.status == S.PENDING


def test_the_partner_sees_why_on_its_statement_lines_pdf_and_csv(line, ops, acme_admin, client_for):
    reverse_line(actor=ops, line=line, reason=WHY)
    statement = statement_of(line)
    client = client_for(acme_admin)
    for url in (
        reverse("deals:commission_statement", args=[statement.pk]),
        reverse("deals:commission_lines"),
    ):
        page = client.get(url).content.decode()
        assert WHY in page, url
        assert "reverse-line-" not in page, url
    amount = f"USD {line.amount:,.2f}"
    page = client.get(reverse("deals:commission_statement", args=[statement.pk]))
    reversed_row = page.content.decode().split('data-testid="reversed-total"', 1)[1]
    assert amount in reversed_row.split("</tr>", 1)[0]
    assert statement_totals(statement).reversed == line.amount
    pdf = client.get(reverse("deals:commission_statement_pdf", args=[statement.pk]))
    assert "Duplicate of deal" in pdf_text(pdf.content)
    assert f"Reversed (counted in no total) {amount}" in pdf_text(pdf.content)
    exported = client.get(reverse("deals:commission_statement_csv", args=[statement.pk]))
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert rows[0]["reversal_reason"] == WHY


def test_ops_reach_the_reversal_from_the_lines_list_but_a_partner_does_not(
    line, ops, acme_admin, client_for
):
    lines_url = reverse("deals:commission_lines")
    assert f"reverse-line-{line.pk}" in client_for(ops).get(lines_url).content.decode()
    assert "reverse-line-" not in client_for(acme_admin).get(lines_url).content.decode()


# --- The API ----------------------------------------------------------------------------------


def test_ops_reverse_a_line_through_the_api(line, ops, acme_admin):
    response = session(ops).post(f"{LINES}{line.pk}/reverse/", {"reason": WHY}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["reversal_reason"]) == (S.REVERSED, WHY)
    shown = session(acme_admin).get(f"{LINES}{line.pk}/").json()
    assert shown["reversal_reason"] == WHY


@pytest.mark.parametrize("persona", NOT_OPS)
def test_nobody_but_ops_reverses_through_the_api(line, personas, persona):
    response = session(personas[persona]).post(
        f"{LINES}{line.pk}/reverse/", {"reason": WHY}, format="json"
    )
    assert response.status_code == 403
    error_of(response)
    line.refresh_from_db()
    assert line.status == S.PENDING


def test_the_api_refuses_a_reversal_without_a_reason_or_of_a_paid_line(line, ops):
    client = session(ops)
    missing = client.post(f"{LINES}{line.pk}/reverse/", {}, format="json")
    assert missing.status_code == 400 and "reason" in error_of(missing)["details"]
    pay_everything(Q3, ops)
    paid = client.post(f"{LINES}{line.pk}/reverse/", {"reason": WHY}, format="json")
    assert paid.status_code == 409
    assert error_of(paid)["details"] == {"from": S.PAID, "to": S.REVERSED}
    line.refresh_from_db()
    assert line.status == S.PAID
