"""How dates and times read everywhere in the portal (pages, e-mails, exports).

One format each, so a date on the deal page reads like the same date in the e-mail about it:
a date is ISO ``2026-03-31`` (unambiguous in every country the program serves) and a moment is
``2026-03-31 14:05 UTC`` in the active time zone, always with its zone.
"""

import datetime as dt

from django.utils import timezone

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"


def format_date(value) -> str:
    """A date, or the local calendar day of a datetime; "" for nothing."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    if not isinstance(value, dt.date):
        return str(value)
    return value.strftime(DATE_FORMAT)


def format_datetime(value) -> str:
    """A moment in the active time zone with the zone's name; a bare date as a date."""
    if value in (None, ""):
        return ""
    if not isinstance(value, dt.datetime):
        return format_date(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
        return f"{value.strftime(DATETIME_FORMAT)} {value.tzname()}"
    return value.strftime(DATETIME_FORMAT)
