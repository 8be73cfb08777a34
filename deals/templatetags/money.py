"""``{{ amount|money:currency }}``: an amount rounded to its currency's minor unit, with the
currency code and thousands separators (``prm.money.format_money``)."""

from django import template

from prm.money import format_money

register = template.Library()


@register.filter
def money(amount, currency=None) -> str:
    if amount is None or amount == "":
        return ""
    return format_money(amount, currency)
