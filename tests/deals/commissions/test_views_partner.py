"""The partner's commission pages: what is owed now, lines, statements (page, PDF, CSV), payouts,
the floor on the deal page, and tenancy for every persona."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from deals.commissions.services import run_commission_calculation
from deals.commissions.statements import approve_statement
from deals.models import CommissionLine, DealRegistration, Payout, Statement
from partners.models import CompensationPreference
from tests.pdf_text import pdf_text

from .conftest import AFTER_HOLDS, Q3, Q4, pay_everything, won_deal

S = CommissionLine.Status


@pytest.fixture
def books(acme, globex, margin_rule, ops):
    """Acme: USD 1,000 won in Q3 (paid: 100), USD 500 won in Q4 (pending: 50).
    Globex: USD 2,000 won in Q3 (paid: 200)."""
    globex.compensation_preference = CompensationPreference.RESALE_MARGIN
    globex.save()
    acme_q3 = won_deal(acme, amount="1000", customer_name="Acme Q3 Customer")
    globex_q3 = won_deal(globex, amount="2000", customer_name="Globex Secret Customer")
    run_commission_calculation(period=Q3, actor=ops)
    pay_everything(Q3, ops)
    acme_q4 = won_deal(acme, amount="500", closed_on=dt.date(2026, 11, 5), customer_name="Acme Q4")
    run_commission_calculation(period=Q4, actor=ops)
    return {"acme_q3": acme_q3, "globex_q3": globex_q3, "acme_q4": acme_q4}


def text(response) -> str:
    return response.content.decode()


def statement_of(partner, period=Q3, currency="USD") -> Statement:
    return Statement.objects.get(partner=partner, period=period, currency=currency)


# --- What the partner is owed --------------------------------------------------------------------


def test_the_overview_shows_what_acme_is_owed_and_nothing_of_globex(books, client_for, acme_rep):
    response = client_for(acme_rep).get(reverse("deals:commissions"))
    assert response.status_code == 200
    page = text(response)
    assert "USD 100.00" in page  # paid to Acme
    assert "USD 50.00" in page  # pending in Q4
    assert "Globex" not in page and "USD 200.00" not in page
    assert 'data-testid="payout-' in page


def test_held_lines_show_the_day_they_become_payable(
    acme, margin_rule, ops, client_for, acme_admin
):
    won_deal(acme, amount="1000", closed_on=dt.date(2026, 9, 20), customer_name="Late Close")
    run_commission_calculation(period=Q3, actor=ops)
    approve_statement(statement=statement_of(acme), actor=ops, today=dt.date(2026, 10, 1))
    page = text(client_for(acme_admin).get(reverse("deals:commissions")))
    assert 'data-testid="held-lines"' in page
    assert "2026-10-20" in page and "Late Close" in page


def test_a_negative_balance_lists_the_clawbacks_that_explain_it(
    acme, margin_rule, ops, client_for, acme_admin
):
    deal = won_deal(acme, amount="1000", customer_name="Refunded Customer")
    run_commission_calculation(period=Q3, actor=ops)
    pay_everything(Q3, ops)
    DealRegistration.objects.filter(pk=deal.pk).update(status=DealRegistration.Status.LOST)
    won_deal(acme, amount="300", closed_on=dt.date(2026, 10, 1))
    run_commission_calculation(period=Q4, actor=ops)

    page = text(client_for(acme_admin).get(reverse("deals:commissions")))
    assert 'data-testid="negative-balance-USD"' in page
    assert "USD -70.00" in page  # 100 earned + 30 earned - 100 clawed back - 100 paid
    clawback = CommissionLine.objects.get(kind="clawback")
    assert clawback.reason in page and "Refunded Customer" in page


def test_an_internal_user_picks_a_partner_within_their_scope(books, client_for, cam, globex):
    client = client_for(cam)
    assert client.get(reverse("deals:commissions")).status_code == 200
    assert client.get(reverse("deals:commissions"), {"partner": globex.pk}).status_code == 404


def test_a_partners_lists_open_before_it_has_a_statement(books, client_for, ops, cam, acme, globex):
    from tests.factories import PartnerFactory

    newcomer = PartnerFactory(display_name="Newcomer Ltd")  # no line, no statement yet
    client = client_for(ops)
    overview = text(client.get(reverse("deals:commissions"), {"partner": newcomer.pk}))
    assert f"{reverse('deals:commission_lines')}?partner={newcomer.pk}" in overview
    lines = client.get(reverse("deals:commission_lines"), {"partner": newcomer.pk})
    statements = client.get(reverse("deals:commission_statements"), {"partner": newcomer.pk})
    assert (lines.status_code, statements.status_code) == (200, 200)
    assert "Acme Q3 Customer" not in text(lines) and "Acme Q3 Customer" in text(
        client.get(reverse("deals:commission_lines"))
    )
    assert f'data-testid="statement-{statement_of(acme).pk}"' not in text(statements)
    # A partner outside the user's scope still shows nothing of it.
    refused = client_for(cam).get(reverse("deals:commission_lines"), {"partner": globex.pk})
    assert "Globex Secret Customer" not in text(refused)


def test_empty_states(db, client_for, acme_rep, globex_admin, ops):
    for user in (acme_rep, ops):
        client = client_for(user)
        for name in ("commissions", "commission_lines", "commission_statements",
                     "commission_payouts"):  # fmt: skip
            response = client.get(reverse(f"deals:{name}"))
            assert response.status_code == 200, name
            assert 'class="empty"' in text(response), name


# --- Lines ---------------------------------------------------------------------------------------


def test_lines_filter_by_period_and_status(books, client_for, acme_rep):
    client = client_for(acme_rep)
    url = reverse("deals:commission_lines")
    all_lines = text(client.get(url))
    assert "Acme Q3 Customer" in all_lines and "Acme Q4" in all_lines
    assert "Globex Secret Customer" not in all_lines
    q4 = text(client.get(url, {"period": Q4}))
    assert "Acme Q4" in q4 and "Acme Q3 Customer" not in q4
    paid = text(client.get(url, {"status": "paid"}))
    assert "Acme Q3 Customer" in paid and "Acme Q4" not in paid
    # Each line names its rule and plan version.
    assert "Resale margin" in all_lines and "Standard v1" in all_lines


def test_an_unknown_filter_is_a_form_error(books, client_for, acme_rep):
    response = client_for(acme_rep).get(reverse("deals:commission_lines"), {"period": "FY1999-Q1"})
    assert response.status_code == 400
    assert "Select a valid choice" in text(response)


def test_lines_are_paginated(acme, margin_rule, ops, client_for, acme_rep):
    for n in range(55):
        won_deal(acme, amount="100", customer_name=f"Customer {n:02d}")
    run_commission_calculation(period=Q3, actor=ops)
    client = client_for(acme_rep)
    first = text(client.get(reverse("deals:commission_lines")))
    second = text(client.get(reverse("deals:commission_lines"), {"page": 2}))
    assert first.count('data-testid="commission-line-') == 50
    assert second.count('data-testid="commission-line-') == 5


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_lines_csv_matches_the_filter_and_the_scope(books, client_for, acme_rep, ops):
    response = client_for(acme_rep).get(reverse("deals:commission_lines_csv"), {"period": Q3})
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["line_id", "period", "partner", "deal_id"]
    assert [r[header.index("customer")] for r in body] == ["Acme Q3 Customer"]
    row = dict(zip(header, body[0], strict=True))
    assert (row["amount"], row["status"], row["rule"], row["plan_version"]) == (
        "100.00", "paid", "Resale margin", "1",
    )  # fmt: skip
    everything = read_csv(client_for(ops).get(reverse("deals:commission_lines_csv")))
    assert len(everything) == 1 + 3


def test_the_csv_defuses_formulas(acme, margin_rule, ops, client_for, acme_rep):
    won_deal(acme, amount="1000", customer_name='=HYPERLINK("http://x")')
    run_commission_calculation(period=Q3, actor=ops)
    rows = read_csv(client_for(acme_rep).get(reverse("deals:commission_lines_csv")))
    assert rows[1][rows[0].index("customer")].startswith("'=")


def test_an_invalid_csv_filter_is_a_400(books, client_for, acme_rep):
    response = client_for(acme_rep).get(reverse("deals:commission_lines_csv"), {"status": "nope"})
    assert response.status_code == 400


# --- Statements ----------------------------------------------------------------------------------


def test_the_statement_page_shows_its_totals(books, client_for, acme_admin, acme):
    statement = statement_of(acme)
    url = reverse("deals:commission_statement", args=[statement.pk])
    page = text(client_for(acme_admin).get(url))
    assert 'data-testid="statement-totals"' in page
    assert page.count("USD 100.00") >= 3  # earned, paid, paid out
    assert "Acme Q3 Customer" in page and "PAY-" in page


def test_the_statement_pdf_contains_the_figures(books, client_for, acme_admin, acme):
    statement = statement_of(acme)
    response = client_for(acme_admin).get(
        reverse("deals:commission_statement_pdf", args=[statement.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text_of_pdf = pdf_text(response.content)
    needles = ["Commission statement", "FY2026-Q3", "USD 100.00", "Acme Q3 Customer",
               "Resale margin", "Closing balance", "USD 0.00", f"PAY-{statement.pk}"]  # fmt: skip
    for needle in needles:
        assert needle in text_of_pdf, needle
    assert "Globex" not in text_of_pdf


def test_the_statement_pdf_breaks_the_period_down_by_status_including_pending(
    books, client_for, acme_admin, acme
):
    statement = statement_of(acme, Q4)  # one line of 50.00, not approved yet
    response = client_for(acme_admin).get(
        reverse("deals:commission_statement_pdf", args=[statement.pk])
    )
    by_status = pdf_text(response.content).split("by status", 1)[1]
    assert by_status.startswith(
        " Pending approval USD 50.00 Held USD 0.00 Approved USD 0.00 Paid USD 0.00"
        " Earned and clawed back USD 50.00 "
    )


def test_the_statement_csv_has_lines_payouts_and_totals(books, client_for, acme_admin, acme):
    statement = statement_of(acme)
    rows = read_csv(
        client_for(acme_admin).get(reverse("deals:commission_statement_csv", args=[statement.pk]))
    )
    totals = {r[0]: r[1] for r in rows if len(r) == 2}
    assert (totals["earned"], totals["paid_out"], totals["closing"]) == ("100.00", "100.00", "0.00")
    assert any(f"PAY-{statement.pk}" in r for r in rows)


def test_the_statement_list_shows_each_periods_lines_total(books, client_for, acme_admin):
    page = text(client_for(acme_admin).get(reverse("deals:commission_statements")))
    totals = re.findall(r'data-testid="period-total">([^<]+)<', page)
    assert totals == ["USD 50.00", "USD 100.00"]  # Q4, then Q3; Globex's 200.00 is not here


def test_statements_filter_by_status(books, client_for, ops):
    client = client_for(ops)
    paid = text(client.get(reverse("deals:commission_statements"), {"status": "paid"}))
    draft = text(client.get(reverse("deals:commission_statements"), {"status": "draft"}))
    assert paid.count('data-testid="statement-') == 2 + 1  # two rows and the table
    assert draft.count('data-testid="statement-') == 1 + 1


# --- Tenancy: every page, every persona ----------------------------------------------------------

SEES_ACME = {"acme_admin", "acme_rep", "cam", "ops"}
SEES_GLOBEX = {"globex_admin", "other_cam", "ops"}


def test_every_statement_page_answers_404_outside_the_scope(books, personas, client, acme, globex):
    for partner, allowed in ((acme, SEES_ACME), (globex, SEES_GLOBEX)):
        statement = statement_of(partner)
        for name, user in personas.items():
            client.force_login(user)
            for view in ("commission_statement", "commission_statement_pdf",
                         "commission_statement_csv"):  # fmt: skip
                status = client.get(reverse(f"deals:{view}", args=[statement.pk])).status_code
                assert status == (200 if name in allowed else 404), (name, view, partner)


def test_list_pages_show_only_the_scope(books, personas, client, acme, globex):
    def markers(partner):
        payout = Payout.objects.get(partner=partner)
        customer = "Acme Q3 Customer" if partner == acme else "Globex Secret Customer"
        return {
            "commissions": f'data-testid="payout-{payout.pk}"',
            "commission_payouts": f'data-testid="payout-{payout.pk}"',
            "commission_statements": f'data-testid="statement-{statement_of(partner).pk}"',
            "commission_lines": customer,
        }

    for partner, allowed in ((acme, SEES_ACME), (globex, SEES_GLOBEX)):
        for name, user in personas.items():
            client.force_login(user)
            for view, marker in markers(partner).items():
                page = text(client.get(reverse(f"deals:{view}")))
                assert (marker in page) == (name in allowed), (name, view, partner)


def test_lines_csv_only_exports_the_scope(books, personas, client):
    customers = {}
    for name, user in personas.items():
        client.force_login(user)
        rows = read_csv(client.get(reverse("deals:commission_lines_csv")))
        customers[name] = {r[rows[0].index("customer")] for r in rows[1:]}
    assert customers["acme_rep"] == customers["acme_admin"] == customers["cam"] == {
        "Acme Q3 Customer", "Acme Q4",
    }  # fmt: skip
    assert customers["globex_admin"] == customers["other_cam"] == {"Globex Secret Customer"}
    assert customers["distri_admin"] == set()
    assert len(customers["ops"]) == 3


# --- The deal page -------------------------------------------------------------------------------


def test_the_deal_page_shows_the_floor_and_the_deals_lines(books, client_for, acme_rep):
    deal = books["acme_q3"]
    page = text(client_for(acme_rep).get(deal.get_absolute_url()))
    assert 'data-testid="commission-floor"' in page
    assert "8 %" in page and "10 %" in page  # floor and rate of the winning rule
    assert "USD 100.00" in page and 'data-testid="commission-lines"' in page


def test_the_deal_page_shows_the_floor_before_any_line(acme, margin_rule, client_for, acme_rep):
    from tests.deals.factories import DealFactory

    deal = DealFactory(partner=acme, status=DealRegistration.Status.SUBMITTED)
    page = text(client_for(acme_rep).get(deal.get_absolute_url()))
    assert 'data-testid="commission-floor"' in page and "8 %" in page
    assert 'data-testid="commission-lines"' not in page


def test_a_distributor_sees_its_resellers_deal_but_not_its_commission(
    books, client_for, distri_admin
):
    page = text(client_for(distri_admin).get(books["acme_q3"].get_absolute_url()))
    assert 'data-testid="commission-lines"' not in page


def test_payouts_page_lists_only_the_partners_payouts(books, client_for, acme_rep, globex_admin):
    acme_payout = Payout.objects.get(partner__display_name="Acme")
    globex_payout = Payout.objects.get(partner__display_name="Globex")
    page = text(client_for(acme_rep).get(reverse("deals:commission_payouts")))
    assert f'data-testid="payout-{acme_payout.pk}"' in page
    assert f'data-testid="payout-{globex_payout.pk}"' not in page
    page = text(client_for(globex_admin).get(reverse("deals:commission_payouts")))
    assert f'data-testid="payout-{globex_payout.pk}"' in page
    assert f'data-testid="payout-{acme_payout.pk}"' not in page
    assert Decimal(acme_payout.amount) == Decimal("100")
    assert acme_payout.paid_on == AFTER_HOLDS


def test_a_member_of_two_partners_picks_one(books, client_for, acme_rep, globex, acme):
    from tests.factories import MembershipFactory

    MembershipFactory(user=acme_rep, partner=globex)
    client = client_for(acme_rep)
    page = text(client.get(reverse("deals:commissions")))
    assert 'name="partner"' in page and 'data-testid="commission-balances"' not in page
    globex_page = text(client.get(reverse("deals:commissions"), {"partner": globex.pk}))
    assert 'data-testid="balance-USD"' in globex_page and "Commissions · Globex" in globex_page
    lines = text(client.get(reverse("deals:commission_lines"), {"partner": acme.pk}))
    assert "Acme Q3 Customer" in lines and "Globex Secret Customer" not in lines
