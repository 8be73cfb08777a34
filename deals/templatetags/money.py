"""``{{ amount|money:currency }}``: an amount rounded to its currency's minor unit, with the
currency code and thousands separators (``prm.money.format_money``)."""

from django import template
from django.template.defaultfilters import floatformat

from prm.money import format_money

register = template.Library()


@register.filter
def money(amount, currency=None) -> str:
    if amount is None or amount == "":
        return ""
    return format_money(amount, currency)


@register.filter
def metric_value(value, requirement) -> str:
    """A tier requirement's measured value or threshold: an amount in the program currency for
    a money metric (revenue), else the number (``3``, ``12.50``); "—" when there is none.
    ``requirement`` is a ``TierRequirement`` or its metric's code (a review's snapshot)."""
    from partners.models import TierRequirement

    if value is None or value == "":
        return "—"
    if isinstance(requirement, str):
        is_money = requirement == TierRequirement.Metric.SOURCED_REVENUE
    else:
        is_money = requirement.is_money_metric
    if is_money:
        return format_money(value)
    return floatformat(value, "-2")
