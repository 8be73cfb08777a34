"""Business-day arithmetic for the approval SLA.

Business days are Monday to Friday in the portal's time zone (``TIME_ZONE``). A submission made
on a weekend starts its clock at midnight at the start of the next Monday, so a deal registered on
Saturday is due on the same day as one registered first thing on Monday. Public holidays are not
modelled: the same SLA applies everywhere, and a holiday calendar per country would make it
depend on where the reviewer sits.
"""

import datetime as dt

from django.utils import timezone

SATURDAY = 5


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < SATURDAY


def start_of_business_time(moment: dt.datetime) -> dt.datetime:
    """``moment`` itself on a business day, else midnight at the start of the next business day."""
    local = timezone.localtime(moment)
    if is_business_day(local.date()):
        return local
    day = local.date()
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), local.tzinfo)


def add_business_days(moment: dt.datetime, days: int) -> dt.datetime:
    """The time ``days`` business days after ``moment`` (same wall-clock time of day).

    Friday 15:00 + 2 → Tuesday 15:00; Saturday 10:00 + 2 → Wednesday 00:00.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    start = start_of_business_time(moment)
    day = start.date()
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    naive = dt.datetime.combine(day, start.time().replace(tzinfo=None))
    # make_aware again rather than adding a timedelta, so a daylight-saving change between the
    # two days keeps the wall-clock time.
    return timezone.make_aware(naive, start.tzinfo)
