"""How a scorecard criterion's figures read: ``{{ row|criterion_value }}`` and
``{{ row|criterion_target }}`` for a row of ``Scorecard.criteria``.

Amounts read as money in their currency ("USD 268,200.00"), percentages and hours with their
unit, and counts as whole numbers, their unit ("people", "registrations") after the value that
gives full marks, where it reads as a plural."""

from decimal import Decimal, InvalidOperation

from django import template

from prm.money import MINOR_UNITS, format_money

from ..cards.criteria import Criterion

register = template.Library()
SHOWN_WITH_VALUE = {"%"}


def _number(text) -> Decimal | None:
    try:
        return Decimal(str(text))
    except (InvalidOperation, TypeError, ValueError):
        return None


def _plain(number: Decimal) -> str:
    """1, 2.5, 100000: no trailing zeros, no exponent."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _is_money(unit: str) -> bool:
    return unit.upper() in MINOR_UNITS


def _figure(row: dict, key: str, *, with_unit: bool) -> str:
    """``row[key]`` as read: money in its currency, else the plain number, with the unit after
    it when ``with_unit``."""
    number, unit = _number(row.get(key)), str(row.get("unit") or "")
    if number is None:
        return ""
    if _is_money(unit):
        return format_money(number, unit)
    return f"{_plain(number)} {unit}".strip() if with_unit else _plain(number)


@register.filter
def criterion_value(row: dict) -> str:
    unit = str(row.get("unit") or "")
    return _figure(row, "value", with_unit=unit in SHOWN_WITH_VALUE)


@register.filter
def criterion_target(row: dict) -> str:
    return _figure(row, "target", with_unit=True)


@register.filter
def criterion_label(key: str) -> str:
    """A criterion's name ("Customer satisfaction") from its key, as the scorecard shows it."""
    try:
        return str(Criterion(key).label)
    except ValueError:
        return str(key)
