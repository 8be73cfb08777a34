"""The one conversion to the program currency.

A rate is effective from its date until the next rate of the same currency. An amount already in
the program currency converts at 1. When a rate is missing, ``MissingExchangeRate`` names the
currency and the day: a sum never skips an amount or adds amounts of different currencies.

``convert`` converts one amount and rounds it to the program currency's minor unit.
``sum_converted`` sums a queryset across currencies with one grouped query plus one query for
the rates; it rounds once, at the end, so a sum does not depend on how rows are grouped.
``RateTable`` is the in-memory form both use, for jobs that convert many rows.
"""

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from prm.exceptions import DomainError
from prm.money import default_currency, quantize, to_decimal

from .models import ExchangeRate

ONE = Decimal(1)


class MissingExchangeRate(DomainError):
    """An exchange rate needed for a conversion is missing."""

    code = "missing_exchange_rate"
    status_code = 409

    def __init__(self, currency: str, on: dt.date):
        super().__init__(
            _("No exchange rate from %(currency)s to %(program)s on or before %(day)s.")
            % {"currency": currency, "program": default_currency(), "day": on.isoformat()},
            details={"currency": currency, "date": on.isoformat()},
        )
        self.currency = currency
        self.on = on


class RateTable:
    """Effective-dated rates of some currencies, loaded in one query."""

    def __init__(self, rows: Iterable[tuple[str, dt.date, Decimal]]):
        self._days: dict[str, list[dt.date]] = defaultdict(list)
        self._rates: dict[str, list[Decimal]] = defaultdict(list)
        for currency, day, rate in sorted(rows):
            self._days[currency].append(day)
            self._rates[currency].append(rate)

    @classmethod
    def load(cls, currencies: Iterable[str] | None = None, *, until: dt.date | None = None):
        """Rates of ``currencies`` (all when None) effective on or before ``until``."""
        rows = ExchangeRate.objects.all()
        if currencies is not None:
            rows = rows.filter(currency__in=set(currencies) - {default_currency()})
        if until is not None:
            rows = rows.filter(effective_on__lte=until)
        return cls(rows.values_list("currency", "effective_on", "rate"))

    def rate(self, currency: str, on: dt.date) -> Decimal:
        if currency == default_currency():
            return ONE
        days = self._days.get(currency, [])
        index = bisect.bisect_right(days, on) - 1
        if index < 0:
            raise MissingExchangeRate(currency, on)
        return self._rates[currency][index]

    def convert(self, amount, currency: str, on: dt.date) -> Decimal:
        """Exact (unrounded) value of ``amount`` in the program currency."""
        return to_decimal(amount) * self.rate(currency, on)


def rate_on(currency: str, on: dt.date) -> Decimal:
    return RateTable.load([currency], until=on).rate(currency, on)


def convert(amount, currency: str, *, on: dt.date) -> Decimal:
    """``amount`` of ``currency`` in the program currency on ``on``, rounded to its minor unit."""
    return quantize(RateTable.load([currency], until=on).convert(amount, currency, on))


def sum_converted(
    queryset: QuerySet, *, amount: str, currency: str = "currency", on: str
) -> Decimal:
    """Sum the ``amount`` field of ``queryset`` in the program currency, each row converted at
    the rate in force on its ``on`` date field. Raises ``MissingExchangeRate`` for the earliest
    missing rate."""
    groups = list(
        queryset.order_by()
        .values_list(currency, on)
        .annotate(total=Sum(amount))
        .values_list(currency, on, "total")
    )
    if not groups:
        return quantize(0)
    table = RateTable.load({row[0] for row in groups}, until=max(row[1] for row in groups))
    total = Decimal(0)
    for code, day, subtotal in sorted(groups, key=lambda row: (row[1], row[0])):
        if subtotal is not None:
            total += table.convert(subtotal, code, day)
    return quantize(total)
