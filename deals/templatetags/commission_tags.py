"""``{{ amount|money:currency }}``: an amount rounded to its currency's minor unit, with its code
(``USD 1,234.50``, ``JPY 1,235``, ``USD -12.50``)."""

from django import template

from prm.money import format_money

register = template.Library()


@register.filter
def money(amount, currency):
    if amount is None or amount == "":
        return "—"
    return format_money(amount, currency)
