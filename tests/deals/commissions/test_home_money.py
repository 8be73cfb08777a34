"""The partner admin's home page shows the partner's money: commissions owed and marketing
funds available, of its own partner only."""

import datetime as dt
from decimal import Decimal

import pytest

from deals.commissions.services import run_commission_calculation
from mdf.funds.services import allocate_funds
from partners.models import CompensationPreference

from .conftest import Q3, Q4, pay_everything, won_deal


@pytest.fixture
def money(acme, globex, margin_rule, ops):
    """Acme: USD 1,000 won in Q3 and paid (100), USD 500 won in Q4 (50 owed), USD 5,000 of
    MDF. Globex: USD 2,000 won in Q3 and paid (200), USD 7,000 of MDF."""
    globex.compensation_preference = CompensationPreference.RESALE_MARGIN
    globex.save()
    won_deal(acme, amount="1000")
    won_deal(globex, amount="2000")
    run_commission_calculation(period=Q3, actor=ops)
    pay_everything(Q3, ops)
    won_deal(acme, amount="500", closed_on=dt.date(2026, 11, 5))
    won_deal(globex, amount="3330", closed_on=dt.date(2026, 11, 5))
    run_commission_calculation(period=Q4, actor=ops)
    allocate_funds(actor=ops, partner=acme, amount=Decimal("5000.00"), reason="Launch")
    allocate_funds(actor=ops, partner=globex, amount=Decimal("7000.00"), reason="Launch")


def test_the_admin_sees_what_its_partner_is_owed_and_its_funds(money, client_for, acme_admin):
    response = client_for(acme_admin).get("/")
    work = response.context["work"]
    [owed] = work.owed
    assert owed.currency == "USD"
    assert (owed.payable, owed.held + owed.pending) == (Decimal("0"), Decimal("50.00"))
    assert work.mdf.total.available == Decimal("5000.00")
    body = response.content.decode()
    assert 'data-testid="home-commissions"' in body and 'data-testid="home-mdf"' in body
    assert "USD 50.00" in body and "USD 5,000.00" in body
    assert "USD 333.00" not in body and "USD 7,000.00" not in body  # Globex's


def test_a_rep_home_shows_no_money(money, client_for, acme_rep):
    body = client_for(acme_rep).get("/").content.decode()
    assert 'data-testid="home-money"' not in body


def test_nothing_owed_and_no_funds_yet_are_said(db, client_for, globex_admin):
    body = client_for(globex_admin).get("/").content.decode()
    assert "Nothing is owed yet" in body
    assert "No funds yet" in body
