"""Fiscal periods. The fiscal year starts in ``PRM_FISCAL_YEAR_START_MONTH`` and is named after
the calendar year in which it ends (a year starting February 2026 is FY2027)."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone


@dataclass(frozen=True, order=True)
class FiscalPeriod:
    year: int
    quarter: int | None  # None for the whole fiscal year
    start: dt.date
    end: dt.date  # inclusive

    @property
    def label(self) -> str:
        return f"FY{self.year}" + (f"-Q{self.quarter}" if self.quarter else "")

    def __str__(self):
        return self.label

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> "FiscalPeriod":
        after = self.end + dt.timedelta(days=1)
        return fiscal_quarter(after) if self.quarter else fiscal_year(after)

    def previous(self) -> "FiscalPeriod":
        before = self.start - dt.timedelta(days=1)
        return fiscal_quarter(before) if self.quarter else fiscal_year(before)


def _start_month(start_month: int | None) -> int:
    month = start_month or settings.PRM_FISCAL_YEAR_START_MONTH
    if not 1 <= month <= 12:
        raise ValueError("The fiscal year start month must be between 1 and 12.")
    return month


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def fiscal_year(day: dt.date, *, start_month: int | None = None) -> FiscalPeriod:
    month = _start_month(start_month)
    start_year = day.year if day.month >= month else day.year - 1
    start = dt.date(start_year, month, 1)
    end = _add_months(start, 12) - dt.timedelta(days=1)
    return FiscalPeriod(year=end.year, quarter=None, start=start, end=end)


def fiscal_quarter(day: dt.date, *, start_month: int | None = None) -> FiscalPeriod:
    year = fiscal_year(day, start_month=start_month)
    months_in = (day.year - year.start.year) * 12 + day.month - year.start.month
    quarter = months_in // 3 + 1
    start = _add_months(year.start, (quarter - 1) * 3)
    end = _add_months(start, 3) - dt.timedelta(days=1)
    return FiscalPeriod(year=year.year, quarter=quarter, start=start, end=end)


def parse_period(label: str, *, start_month: int | None = None) -> FiscalPeriod:
    """Parse ``FY2027`` or ``FY2027-Q3``."""
    text = label.strip().upper()
    if not text.startswith("FY"):
        raise ValueError(f"Not a fiscal period: {label!r} (expected FY2027 or FY2027-Q3).")
    year_part, _, quarter_part = text[2:].partition("-Q")
    year = int(year_part)
    month = _start_month(start_month)
    # The fiscal year named ``year`` ends in calendar year ``year``.
    first_day = dt.date(year - 1, month, 1) if month > 1 else dt.date(year, 1, 1)
    if not quarter_part:
        return fiscal_year(first_day, start_month=month)
    quarter = int(quarter_part)
    if not 1 <= quarter <= 4:
        raise ValueError(f"Quarter must be 1 to 4 in {label!r}.")
    return fiscal_quarter(_add_months(first_day, (quarter - 1) * 3), start_month=month)


def day_start(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` in the active time zone: rows of a day are the times from it
    up to the next day's, a range an index on the column serves (``created_at__date`` converts
    every row's time to a date first, so no index can)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
