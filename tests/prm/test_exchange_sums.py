"""Sums converted per key (``sums_converted``): each key's sum is what ``sum_converted`` gives
for its rows, on mixed currencies, rates changing between rows, rounding that depends on
summing before rounding, and missing rates; the statement PostgreSQL runs agrees with the
Python form used elsewhere."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from deals.models import DealRegistration
from prm.currency import conversion
from prm.currency.conversion import MissingExchangeRate, sum_converted, sums_converted
from prm.currency.models import ExchangeRate
from tests.deals.factories import DealFactory
from tests.factories import PartnerFactory

JAN = dt.date(2026, 1, 1)
MAR = dt.date(2026, 3, 1)
JUN = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _usd(settings):
    settings.PRM_DEFAULT_CURRENCY = "USD"


def _won(partner, amount, currency, closed_on):
    return DealFactory(
        partner=partner,
        status=DealRegistration.Status.WON,
        currency=currency,
        closed_amount=Decimal(amount),
        closed_on=closed_on,
    )


@pytest.fixture
def deals(db):
    """Partners whose won deals cover the cases, keyed by what each shows."""
    for currency, rate, day in [
        ("EUR", "1.1", JAN),
        ("EUR", "1.2345678901", JUN),
        ("JPY", "0.0066666667", JAN),
        ("GBP", "1.27", MAR),  # none before March
    ]:
        ExchangeRate.objects.create(currency=currency, rate=Decimal(rate), effective_on=day)
    partners = {name: PartnerFactory(display_name=name) for name in _NAMES}
    p = partners
    _won(p["usd only"], "10.005", "USD", JAN)
    _won(p["usd only"], "0.004", "USD", MAR)
    _won(p["mixed"], "100", "EUR", JAN)  # 110
    _won(p["mixed"], "100", "EUR", JUN)  # 123.45678901
    _won(p["mixed"], "123457", "JPY", MAR)  # 823.0466670...
    _won(p["mixed"], "99.99", "USD", JUN)
    _won(p["mixed"], "0.01", "GBP", JUN)
    # Each is worth less than half a cent, together more than one: rounded once, at the end.
    for _i in range(3):
        _won(p["rounds once"], "0.50", "JPY", JAN)  # 0.0033333 each
    _won(p["rounds once"], "1.00", "EUR", MAR)
    _won(p["missing"], "100", "EUR", JUN)
    _won(p["missing"], "5", "GBP", dt.date(2026, 2, 20))  # no GBP rate yet
    _won(p["missing"], "5", "GBP", dt.date(2026, 2, 10))  # earlier: the one named
    _won(p["same day"], "5", "GBP", dt.date(2026, 2, 10))
    _won(p["same day"], "5", "CHF", dt.date(2026, 2, 10))  # CHF before GBP
    _won(p["same day"], "5", "SEK", dt.date(2026, 2, 11))
    _won(p["half a cent"], "2.345", "USD", JAN)  # half up: 2.35, not the even 2.34
    return partners


_NAMES = ["usd only", "mixed", "rounds once", "missing", "same day", "half a cent", "none"]


def _comparable(value):
    if isinstance(value, MissingExchangeRate):
        return ("missing", value.currency, value.on, value.message)
    return value


def _one_by_one(partners) -> dict:
    result = {}
    for partner in partners.values():
        rows = DealRegistration.objects.filter(partner=partner)
        if not rows.exists():
            continue
        try:
            result[partner.pk] = sum_converted(rows, amount="closed_amount", on="closed_on")
        except MissingExchangeRate as exc:
            result[partner.pk] = exc
    return result


def _together() -> dict:
    return sums_converted(
        DealRegistration.objects.all(), by="partner_id", amount="closed_amount", on="closed_on"
    )


def test_each_keys_sum_is_what_sum_converted_gives_for_its_rows(deals):
    expected = {pk: _comparable(v) for pk, v in _one_by_one(deals).items()}

    together = {pk: _comparable(v) for pk, v in _together().items()}

    assert together == expected
    assert together[deals["usd only"].pk] == Decimal("10.01")
    assert together[deals["rounds once"].pk] == Decimal("1.11")  # 0.0100000 + 1.10
    assert together[deals["half a cent"].pk] == Decimal("2.35")
    assert together[deals["missing"].pk][1:3] == ("GBP", dt.date(2026, 2, 10))
    assert together[deals["same day"].pk][1:3] == ("CHF", dt.date(2026, 2, 10))
    assert deals["none"].pk not in together


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database form runs on PostgreSQL"
)
def test_the_database_and_python_forms_agree(deals):
    groups = conversion.grouped_for_conversion(
        DealRegistration.objects.all(),
        by="partner_id",
        amount="closed_amount",
        currency="currency",
        on="closed_on",
    )

    rows = DealRegistration.objects.order_by().values_list(
        "partner_id", "currency", "closed_on", "closed_amount"
    )

    in_database = conversion._sums_converted_in_database(rows)  # each row, as it is
    in_python = conversion.sums_converted_in_python(groups)

    assert {k: _comparable(v) for k, v in in_database.items()} == {
        k: _comparable(v) for k, v in in_python.items()
    }
    assert len(in_database) == len(_NAMES) - 1


def test_sums_are_rounded_to_the_program_currencys_minor_unit(db, settings):
    settings.PRM_DEFAULT_CURRENCY = "JPY"  # no decimals
    ExchangeRate.objects.create(currency="USD", rate=Decimal("150"), effective_on=JAN)
    partner = PartnerFactory()
    _won(partner, "999", "JPY", MAR)
    _won(partner, "0.01", "USD", MAR)  # 1.5 yen

    expected = sum_converted(
        DealRegistration.objects.filter(partner=partner), amount="closed_amount", on="closed_on"
    )

    # 1000.5 yen, rounded once, half up (not to the even 1000).
    assert _together() == {partner.pk: Decimal("1001")}
    assert expected == Decimal("1001")
