"""``{{ value|as_date }}`` and ``{{ value|as_datetime }}``: the portal's one date format and one
date-and-time format (``prm.formatting``). Registered as built-ins, so no ``{% load %}``."""

from django import template

from prm.formatting import format_date, format_datetime

register = template.Library()


@register.filter
def as_date(value) -> str:
    return format_date(value)


@register.filter
def as_datetime(value) -> str:
    return format_datetime(value)
