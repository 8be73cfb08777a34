"""Exchange rates: the one conversion, its named error, rounding, entering and importing."""

import datetime as dt
from decimal import Decimal

import pytest

from prm.currency.conversion import MissingExchangeRate, RateTable, convert, sum_converted
from prm.currency.models import ExchangeRate
from prm.currency.services import (
    InvalidExchangeRate,
    import_exchange_rates,
    set_exchange_rate,
)
from prm.exceptions import PermissionDenied
from prm.models import AuditEvent
from prm.money import quantize

JAN = dt.date(2026, 1, 1)
JUN = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _usd(settings):
    settings.PRM_DEFAULT_CURRENCY = "USD"


@pytest.fixture
def eur_rates(db):
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("1.10"), effective_on=JAN)
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("1.20"), effective_on=JUN)


@pytest.mark.parametrize(
    ("currency", "amount", "expected"),
    [
        ("JPY", "1234.5", "1235"),
        ("USD", "10.005", "10.01"),
        ("BHD", "1.2345", "1.235"),
        ("KWD", "0.0004", "0.000"),
        ("EUR", "-2.345", "-2.35"),
    ],
)
def test_amounts_round_half_up_to_each_currencys_minor_unit(currency, amount, expected):
    assert str(quantize(Decimal(amount), currency)) == expected


def test_a_rate_applies_from_its_effective_date_until_the_next(eur_rates):
    assert convert(Decimal("100"), "EUR", on=JAN) == Decimal("110.00")
    assert convert(Decimal("100"), "EUR", on=JUN - dt.timedelta(days=1)) == Decimal("110.00")
    assert convert(Decimal("100"), "EUR", on=JUN) == Decimal("120.00")


def test_the_program_currency_converts_at_one_without_a_rate(db):
    assert convert(Decimal("12.345"), "USD", on=JAN) == Decimal("12.35")


def test_a_missing_rate_names_the_currency_and_the_day(eur_rates):
    with pytest.raises(MissingExchangeRate) as error:
        convert(Decimal("1"), "EUR", on=dt.date(2025, 12, 31))
    assert error.value.details == {"currency": "EUR", "date": "2025-12-31"}
    assert "EUR" in error.value.message and "2025-12-31" in error.value.message
    with pytest.raises(MissingExchangeRate, match="GBP"):
        RateTable.load(["GBP"]).rate("GBP", JAN)


def test_a_sum_across_currencies_converts_each_row_at_its_own_date(eur_rates, acme, acme_rep):
    from tests.deals.commissions.conftest import won_deal

    won_deal(acme, amount="100", closed_on=JAN, currency="EUR")  # 110
    won_deal(acme, amount="100", closed_on=JUN, currency="EUR")  # 120
    won_deal(acme, amount="0.005", closed_on=JUN, currency="USD")
    from deals.models import DealRegistration

    total = sum_converted(DealRegistration.objects.all(), amount="closed_amount", on="closed_on")
    assert total == Decimal("230.01")


def test_a_sum_never_skips_a_row_it_cannot_convert(eur_rates, acme):
    from deals.models import DealRegistration
    from tests.deals.commissions.conftest import won_deal

    won_deal(acme, amount="100", closed_on=JUN, currency="EUR")
    won_deal(acme, amount="100", closed_on=JUN, currency="GBP")
    with pytest.raises(MissingExchangeRate, match="GBP"):
        sum_converted(DealRegistration.objects.all(), amount="closed_amount", on="closed_on")


def test_ops_enter_and_correct_a_rate_and_each_change_is_audited(ops):
    rate = set_exchange_rate(actor=ops, currency="eur", rate="1.1", effective_on="2026-01-01")
    corrected = set_exchange_rate(actor=ops, currency="EUR", rate="1.15", effective_on=JAN)
    assert corrected.pk == rate.pk and corrected.rate == Decimal("1.15")
    events = AuditEvent.objects.for_object(rate).order_by("id")
    assert [(e.verb, e.from_state, e.to_state) for e in events] == [
        ("exchange_rate_created", "", "1.1"),
        ("exchange_rate_corrected", "1.1000000000", "1.15"),
    ]


def test_only_ops_enter_rates(cam, acme_admin):
    for user in (cam, acme_admin):
        with pytest.raises(PermissionDenied):
            set_exchange_rate(actor=user, currency="EUR", rate="1.1", effective_on=JAN)


@pytest.mark.parametrize(
    ("currency", "rate"), [("USD", "1"), ("XXX", "1"), ("EUR", "0"), ("EUR", "-1"), ("EUR", "abc")]
)
def test_invalid_rates_are_refused(ops, currency, rate):
    with pytest.raises(InvalidExchangeRate):
        set_exchange_rate(actor=ops, currency=currency, rate=rate, effective_on=JAN)


def test_a_csv_import_reports_bad_rows_by_line_and_saves_the_others(ops, eur_rates):
    data = (
        b"currency,rate,effective_on\n"
        b"EUR,1.25,2026-06-01\n"  # corrects an existing rate
        b"GBP,1.27,2026-01-01\n"
        b"\n"
        b"JPY,abc,2026-01-01\n"
        b"CHF,1.1,01/02/2026\n"
        b"BHD,2.65,2026-01-01\n"
    )
    report = import_exchange_rates(actor=ops, data=data)
    assert (report.created, report.updated) == (2, 1)
    assert [line for line, _ in report.errors] == [5, 6]
    assert "Not a rate" in report.errors[0][1] and "Not a date" in report.errors[1][1]
    assert convert(Decimal("1"), "EUR", on=JUN) == Decimal("1.25")
    assert convert(Decimal("1"), "BHD", on=JUN) == Decimal("2.65")
