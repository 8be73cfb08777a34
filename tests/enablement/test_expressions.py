"""The formula language: Decimal arithmetic, and refusal of everything that is not arithmetic."""

import re
from decimal import Decimal

import pytest

from enablement.expressions import ExpressionError, check, evaluate, names_used, parse

VARS = {"seats": Decimal("50"), "price": Decimal("9.00"), "zero": Decimal("0")}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("seats * price * 12", Decimal("5400")),
        ("seats - 2 * 10", Decimal("30")),
        ("(seats - 2) * 10", Decimal("480")),
        ("-seats + 1", Decimal("-49")),
        ("+price", Decimal("9.00")),
        ("seats / 3", Decimal("16.66666666666666666666666666666667")),
        ("round(seats / 3, 2)", Decimal("16.67")),
        ("round(2.5)", Decimal("3")),  # half up, not banker's rounding
        ("min(seats, price, 100)", Decimal("9.00")),
        ("max(seats, price)", Decimal("50")),
        ("0.1 + 0.2", Decimal("0.3")),  # decimal literals stay exact
    ],
)
def test_arithmetic_is_exact_decimal(expression, expected):
    result = evaluate(expression, VARS)
    assert isinstance(result, Decimal)
    assert result == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("seats.real", "Attribute access"),
        ("().__class__", "Attribute access"),
        ("__import__('os')", "Only the functions min, max and round"),
        ("open('/etc/passwd')", "Only the functions min, max and round"),
        ("abs(seats)", "Only the functions min, max and round"),
        ("seats ** 2", "The operator ** is not allowed"),
        ("10 ** 10 ** 10", "The operator ** is not allowed"),
        ("seats % 7", "The operator % is not allowed"),
        ("seats // 7", "The operator // is not allowed"),
        ("seats[0]", "Indexing"),
        ("'text'", "Only numbers"),
        ("True", "Only numbers"),
        ("seats if price else 0", "not allowed in a formula: IfExp"),
        ("seats < price", "not allowed in a formula: Compare"),
        ("lambda: 1", "not allowed in a formula: Lambda"),
        ("[seats]", "not allowed in a formula: List"),
        ("min(seats)", "min() needs at least two arguments"),
        ("min(*[seats, price], 1)", "not allowed in a formula: Starred"),
        ("max(seats, key=price)", "positional arguments only"),
        ("round(seats, price)", "decimal places must be a whole number"),
        ("round(seats, 99)", "decimal places must be a whole number"),
        ("seats +", "not valid arithmetic"),
        ("", "empty"),
        ("1e400", "too large"),
    ],
)
def test_anything_but_arithmetic_is_refused_with_a_clear_message(expression, message):
    with pytest.raises(ExpressionError, match=re.escape(message)):
        evaluate(expression, VARS)


def test_huge_numbers_overflow_cleanly_instead_of_eating_memory():
    with pytest.raises(ExpressionError, match="too large") as caught:
        evaluate("99999999999999 * 99999999999999 * 99999999999999", VARS)
    assert caught.value.code == "overflow"


def test_a_literal_with_hundreds_of_digits_is_refused():
    with pytest.raises(ExpressionError, match="too large"):
        evaluate("9" * 400, VARS)


def test_very_long_or_deeply_nested_expressions_are_refused():
    with pytest.raises(ExpressionError, match="longer than 500"):
        parse("1 + " * 200 + "1")
    with pytest.raises(ExpressionError, match="too long; split it"):
        parse("1+" * 150 + "1")


def test_division_by_zero_is_a_named_error():
    with pytest.raises(ExpressionError, match="Division by zero") as caught:
        evaluate("seats / zero", VARS)
    assert caught.value.code == "division_by_zero"
    with pytest.raises(ExpressionError, match="Division by zero"):
        evaluate("seats / (price - 9)", VARS)


def test_unknown_names_are_listed_when_checked_and_refused_when_evaluated():
    with pytest.raises(ExpressionError, match="Unknown name\\(s\\): discount, tax") as caught:
        check("seats * price - discount + tax", known={"seats", "price"})
    assert caught.value.details == {"unknown": ["discount", "tax"]}
    with pytest.raises(ExpressionError, match="Unknown name: discount"):
        evaluate("seats - discount", VARS)


def test_function_names_are_not_counted_as_variables():
    assert names_used(parse("max(seats, round(price, 2)) + min(1, 2)")) == {"seats", "price"}
    with pytest.raises(ExpressionError, match="Unknown name\\(s\\): min"):
        check("min + 1", known={"seats"})


def test_errors_point_at_the_offending_character():
    with pytest.raises(ExpressionError, match="at character 9"):
        parse("seats + price.real")
