"""``{{ value|as_date }}`` and ``{{ value|as_datetime }}``: the portal's one date format and one
date-and-time format (``prm.formatting``); ``{{ code|country }}``: a country's name, and
``{{ code|country_code }}``: the code, named on hover, for narrow columns. Registered as
built-ins, so no ``{% load %}``."""

from django import template
from django.utils.html import format_html

from prm.countries import country_name
from prm.formatting import format_date, format_datetime

register = template.Library()


@register.filter
def as_date(value) -> str:
    return format_date(value)


@register.filter
def as_datetime(value) -> str:
    return format_datetime(value)


@register.filter
def country(code) -> str:
    return country_name(code) if code else ""


@register.filter
def country_code(code) -> str:
    if not code:
        return ""
    return format_html('<abbr title="{}">{}</abbr>', country_name(code), code)
