from decimal import Decimal

import pytest

from prm.money import format_money, quantize, to_decimal


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
