from decimal import Decimal

import pytest

from prm.money import (
    LARGEST_AMOUNT,
    InvalidAmount,
    amount_message,
    format_money,
    parse_amount,
    quantize,
    to_decimal,
)


def test_quantize_rounds_half_up_to_the_currency_minor_unit():
    assert quantize("10.005", "USD") == Decimal("10.01")
    assert quantize("10.5", "JPY") == Decimal("11")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_decimal(0.1)


def test_bad_amounts_are_named():
    with pytest.raises(ValueError, match="Not an amount"):
        to_decimal("ten dollars")


def test_format_money():
    assert format_money("1234.5", "EUR") == "EUR 1,234.50"


@pytest.mark.parametrize(
    "typed",
    ["NaN", "sNaN", "Infinity", "-inf", "1e400", "100000000000000", "0.001", "12.500,00", "x"],
)
def test_parse_amount_refuses_what_no_column_can_keep_with_one_message(typed):
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(typed)
    assert str(caught.value) == amount_message()


def test_parse_amount_accepts_separators_trailing_zeros_and_the_largest_amount():
    assert parse_amount("12,500.50") == Decimal("12500.50")
    assert parse_amount("7.500") == Decimal("7.500")
    assert parse_amount(Decimal("9999999999999.99")) == LARGEST_AMOUNT
    with pytest.raises(InvalidAmount):  # 16 digits: SQLite would not keep every cent
        parse_amount(Decimal("99999999999999.99"))
    assert parse_amount(3) == Decimal(3)


def test_negative_amounts_only_where_allowed():
    assert parse_amount("-5.25", allow_negative=True) == Decimal("-5.25")
    with pytest.raises(InvalidAmount):
        parse_amount("-5.25")


def test_blank_is_required_or_none():
    assert parse_amount(" ", required=False) is None
    with pytest.raises(InvalidAmount, match="required"):
        parse_amount("")


@pytest.mark.django_db
def test_the_largest_amount_comes_back_from_the_database_to_the_cent():
    """On SQLite too, where a decimal is a 64-bit float: a registration of the largest amount
    is read back as that amount (a 16-digit one failed there with a server error)."""
    from deals.models import DealRegistration
    from tests.deals.factories import DealFactory

    deal = DealFactory(estimated_amount=LARGEST_AMOUNT)
    assert DealRegistration.objects.get(pk=deal.pk).estimated_amount == LARGEST_AMOUNT
