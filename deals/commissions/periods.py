"""Commission periods are fiscal quarters, named like ``FY2026-Q3`` (labels sort in time order)."""

import datetime as dt

from prm.periods import FiscalPeriod, fiscal_quarter, parse_period

from .exceptions import InvalidPeriod


def commission_period(label: str) -> FiscalPeriod:
    """Parse ``FY2026-Q3`` (or ``2026-Q3``) into a fiscal quarter."""
    text = label.strip().upper()
    if not text.startswith("FY"):
        text = "FY" + text
    try:
        period = parse_period(text)
    except ValueError as exc:
        raise InvalidPeriod(str(exc)) from exc
    if period.quarter is None:
        raise InvalidPeriod(f"Commissions are calculated per quarter, not for {period.label}.")
    return period


def period_of(day: dt.date) -> FiscalPeriod:
    return fiscal_quarter(day)


def quarter_index(period: FiscalPeriod) -> int:
    """Consecutive quarters have consecutive indexes."""
    return period.year * 4 + (period.quarter or 1) - 1


def shift(period: FiscalPeriod, quarters: int) -> FiscalPeriod:
    for _ in range(abs(quarters)):
        period = period.next() if quarters > 0 else period.previous()
    return period
