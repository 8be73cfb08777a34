"""Sums of grouped amounts in the program currency, bucketed by fiscal quarter.

The dashboard's queries return rows grouped by (day, currency, …); each row converts at the
rate in force on its day (``prm.currency.conversion.RateTable``, one query for the rates) and
is added to its quarter. A missing rate makes the figure unavailable with the rate named,
never a sum of mixed currencies.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from prm.currency.conversion import MissingExchangeRate, RateTable
from prm.money import quantize
from prm.periods import FiscalPeriod


@dataclass(frozen=True)
class Figure:
    """An amount in the program currency, or why it cannot be given."""

    amount: Decimal | None
    missing: str = ""

    @property
    def available(self) -> bool:
        return self.amount is not None


def quarter_of(day: dt.date, quarters: list[FiscalPeriod]) -> FiscalPeriod | None:
    for quarter in quarters:
        if quarter.contains(day):
            return quarter
    return None


class Converted:
    """Converted totals keyed by (quarter, key); ``missing`` holds the first missing rate."""

    def __init__(self) -> None:
        self.totals: dict[tuple[FiscalPeriod, Hashable], Decimal] = defaultdict(Decimal)
        self.missing: MissingExchangeRate | None = None

    def figure(self, quarters: Iterable[FiscalPeriod], keys: Iterable[Hashable]) -> Figure:
        if self.missing is not None:
            return Figure(None, self.missing.message)
        keys = list(keys)
        # Each quarter rounded, then added: a year's figure is the sum of the quarters its
        # chart and export show, to the cent.
        total = sum(
            (
                quantize(sum((self.totals.get((q, k), Decimal(0)) for k in keys), Decimal(0)))
                for q in quarters
            ),
            Decimal(0),
        )
        return Figure(total)


def convert_rows(rows: Iterable[tuple], quarters: list[FiscalPeriod]) -> Converted:
    """``rows`` are (day, currency, key, amount) or (day, currency, key, amount, rate day) when
    the amount converts at another day's rate than the day that places it in a quarter. Exact
    sums, rounded once per quarter of a figure."""
    rows = [(*row, row[0]) if len(row) == 4 else tuple(row) for row in rows if row[3] is not None]
    result = Converted()
    if not rows:
        return result
    table = RateTable.load({row[1] for row in rows}, until=max(row[4] for row in rows))
    for day, currency, key, amount, rate_day in sorted(rows, key=lambda r: (r[4], r[1], r[0])):
        quarter = quarter_of(day, quarters)
        if quarter is None:
            continue
        try:
            result.totals[(quarter, key)] += table.convert(amount, currency, rate_day)
        except MissingExchangeRate as exc:
            result.missing = exc
            return result
    return result
