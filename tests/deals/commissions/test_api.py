"""The commission API: read-only plans, lines, statements (with totals and a PDF) and payouts,
scoped like the portal, filtered by period and status."""

import datetime as dt

import pytest

from deals.commissions.services import run_commission_calculation
from deals.models import Payout, Statement
from partners.models import CompensationPreference
from tests.deals.api_support import error_of, key_client, session
from tests.pdf_text import pdf_text

from .conftest import Q3, Q4, pay_everything, won_deal

PLANS, LINES = "/api/v1/commission-plans/", "/api/v1/commission-lines/"
STATEMENTS, PAYOUTS = "/api/v1/commission-statements/", "/api/v1/commission-payouts/"


@pytest.fixture
def books(acme, globex, margin_rule, ops):
    globex.compensation_preference = CompensationPreference.RESALE_MARGIN
    globex.save()
    won_deal(acme, amount="1000", customer_name="Acme Q3")
    won_deal(globex, amount="2000", customer_name="Globex Q3")
    run_commission_calculation(period=Q3, actor=ops)
    pay_everything(Q3, ops)
    won_deal(acme, amount="500", closed_on=dt.date(2026, 11, 5), customer_name="Acme Q4")
    run_commission_calculation(period=Q4, actor=ops)


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def partners_in(rows) -> set[str]:
    return {row["partner"]["display_name"] for row in rows}


EXPECTED = {
    "acme_admin": {"Acme"},
    "acme_rep": {"Acme"},
    "globex_admin": {"Globex"},
    "distri_admin": set(),
    "cam": {"Acme"},
    "other_cam": {"Globex"},
    "ops": {"Acme", "Globex"},
}


def test_every_persona_reads_only_its_scope(books, personas):
    for name, user in personas.items():
        client = session(user)
        for url in (LINES, STATEMENTS, PAYOUTS):
            assert partners_in(results(client.get(url))) == EXPECTED[name], (name, url)


def test_objects_outside_the_scope_are_404(books, personas, globex):
    statement = Statement.objects.get(partner=globex, period=Q3)
    payout = Payout.objects.get(partner=globex)
    line = payout.lines.get()
    for name, user in personas.items():
        client = session(user)
        expected = 200 if "Globex" in EXPECTED[name] else 404
        for url in (f"{STATEMENTS}{statement.pk}/", f"{STATEMENTS}{statement.pk}/pdf/",
                    f"{PAYOUTS}{payout.pk}/", f"{LINES}{line.pk}/"):  # fmt: skip
            response = client.get(url)
            assert response.status_code == expected, (name, url)
            if expected == 404:
                assert error_of(response)["code"]


def test_lines_filter_by_period_and_status(books, acme_rep):
    client = session(acme_rep)
    q4 = results(client.get(LINES, {"period": Q4}))
    assert [r["deal"]["customer_name"] for r in q4] == ["Acme Q4"]
    paid = results(client.get(LINES, {"status": "paid"}))
    assert [(r["deal"]["customer_name"], r["amount"]) for r in paid] == [("Acme Q3", "100.00")]
    both = results(client.get(LINES, {"status": ["paid", "pending"]}))
    assert len(both) == 2
    line = paid[0]
    assert line["rule"]["name"] == "Resale margin" and line["plan_version"]["number"] == 1
    assert line["plan_version"]["plan_name"] == "Standard" and line["payout"] is not None


def test_a_malformed_period_is_a_400(books, acme_rep):
    response = session(acme_rep).get(LINES, {"period": "2026 Q3"})
    assert response.status_code == 400
    assert "period" in error_of(response)["details"]


def test_statements_filter_and_carry_their_totals(books, ops, acme):
    client = session(ops)
    drafts = results(client.get(STATEMENTS, {"status": "draft"}))
    assert [(r["partner"]["display_name"], r["period"]) for r in drafts] == [("Acme", Q4)]
    paid = results(client.get(STATEMENTS, {"period": Q3, "partner": acme.pk}))
    detail = client.get(f"{STATEMENTS}{paid[0]['id']}/").json()
    assert detail["totals"] == {
        "opening": "0.00", "earned": "100.00", "clawed_back": "0.00", "pending": "0.00",
        "held": "0.00", "approved": "0.00", "paid": "100.00", "paid_out": "100.00",
        "closing": "0.00", "payable": "0.00",
    }  # fmt: skip


def test_the_statement_pdf_is_a_pdf_with_the_figures(books, acme_admin, acme):
    statement = Statement.objects.get(partner=acme, period=Q3)
    response = session(acme_admin).get(f"{STATEMENTS}{statement.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "USD 100.00" in text and "Acme Q3" in text


def test_payouts_filter_by_period(books, ops):
    client = session(ops)
    assert len(results(client.get(PAYOUTS, {"period": Q3}))) == 2
    assert results(client.get(PAYOUTS, {"period": Q4})) == []


def test_everyone_reads_the_plan(books, personas):
    for name, user in personas.items():
        rows = results(session(user).get(PLANS))
        assert [r["name"] for r in rows] == ["Standard"], name
        rule = rows[0]["versions"][0]["rules"][0]
        assert (rule["name"], rule["rate"], rule["floor_rate"]) == (
            "Resale margin", "10.0000", "8.0000",
        )  # fmt: skip


def test_api_keys_need_the_deals_read_scope_and_stay_in_their_partner(books, ops, acme):
    assert key_client(ops, "partners:read").get(LINES).status_code == 403
    bound = key_client(ops, "deals:read", partner=acme)
    assert partners_in(results(bound.get(LINES))) == {"Acme"}
    assert partners_in(results(bound.get(PAYOUTS))) == {"Acme"}
    program = key_client(ops, "deals:read")
    assert partners_in(results(program.get(STATEMENTS))) == {"Acme", "Globex"}


def test_lines_statements_and_payouts_are_never_created_through_the_api(books, ops):
    """They come from the calculation and payouts only (plans are created: tests/api/)."""
    client = session(ops)
    for url in (LINES, STATEMENTS, PAYOUTS):
        assert client.post(url, {}, format="json").status_code == 405, url


def test_the_schema_declares_the_pdf_and_the_filters(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    pdf = schema["paths"]["/api/v1/commission-statements/{id}/pdf/"]["get"]["responses"]["200"]
    assert set(pdf["content"]) == {"application/pdf"}
    params = {p["name"] for p in schema["paths"][LINES]["get"]["parameters"]}
    assert {"period", "status", "partner", "deal", "kind"} <= params
