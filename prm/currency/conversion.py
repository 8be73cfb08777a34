"""The one conversion to the program currency.

A rate is effective from its date until the next rate of the same currency. An amount already in
the program currency converts at 1. When a rate is missing, ``MissingExchangeRate`` names the
currency and the day: a sum never skips an amount or adds amounts of different currencies.

``convert`` converts one amount and rounds it to the program currency's minor unit.
``sum_converted`` sums a queryset across currencies with one grouped query plus one query for
the rates; it rounds once, at the end, so a sum does not depend on how rows are grouped.
``sums_converted`` is ``sum_converted`` for each value of a key (a partner, say) at once: on
PostgreSQL the database joins each row's (currency, day) to its rate and sums the exact products
(one statement, whatever the number of rows); elsewhere the same sums in Python over a
``RateTable``, of the rows grouped by currency and day. Both round once per key, like
``sum_converted``, and a test compares the two. ``RateTable`` is the in-memory form, for jobs
that convert many rows.
"""

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable
from decimal import Decimal

from django.db import connections
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from prm.exceptions import DomainError
from prm.money import default_currency, minor_unit, quantize, to_decimal

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
    return _converted_total(table, [(day, code, subtotal) for code, day, subtotal in groups])


def _converted_total(
    table: RateTable, groups: Iterable[tuple[dt.date, str, Decimal | None]]
) -> Decimal:
    """The ``(day, currency, subtotal)`` groups converted and added up by day, then currency
    (so the earliest missing rate is the one raised), rounded once."""
    total = Decimal(0)
    for day, code, subtotal in sorted(groups, key=lambda group: (group[0], group[1])):
        if subtotal is not None:
            total += table.convert(subtotal, code, day)
    return quantize(total)


def sums_converted(
    queryset: QuerySet, *, by: str, amount: str, currency: str = "currency", on: str
) -> dict[Hashable, Decimal | MissingExchangeRate]:
    """``sum_converted`` of the rows of each value of the ``by`` field: ``{value: sum}``, or
    the ``MissingExchangeRate`` ``sum_converted`` raises for that value's rows (the earliest
    missing rate). Values without rows are left out."""
    if connections[queryset.db].vendor == "postgresql":
        # The rows as they are: the database sums each key's exact products in one pass, which
        # takes two thirds of the time of grouping them by currency and day first (a month of
        # won deals, 17,000 rows in 15,000 groups: 24 ms instead of 38).
        rows = queryset.order_by().values_list(by, currency, on, amount)
        return _sums_converted_in_database(rows)
    groups = grouped_for_conversion(queryset, by=by, amount=amount, currency=currency, on=on)
    return sums_converted_in_python(groups)


def grouped_for_conversion(
    queryset: QuerySet, *, by: str, amount: str, currency: str, on: str
) -> QuerySet:
    """The ``(key, currency, day, total)`` groups both forms of ``sums_converted`` convert."""
    return (
        queryset.order_by()
        .values_list(by, currency, on)
        .annotate(total=Sum(amount))
        .values_list(by, currency, on, "total")
    )


def sums_converted_in_python(groups: QuerySet) -> dict[Hashable, Decimal | MissingExchangeRate]:
    """``sums_converted`` over its ``(key, currency, day, total)`` groups, in Python."""
    rows = list(groups)
    by_key: dict[Hashable, list[tuple[dt.date, str, Decimal]]] = defaultdict(list)
    for key, code, day, total in rows:
        if total is not None:
            by_key[key].append((day, code, total))
    table = RateTable.load({row[1] for row in rows}, until=max((r[2] for r in rows), default=None))
    result: dict[Hashable, Decimal | MissingExchangeRate] = {}
    for key, items in by_key.items():
        try:
            result[key] = _converted_total(table, items)
        except MissingExchangeRate as exc:
            result[key] = exc
    return result


# The rows' distinct foreign (currency, day) pairs are looked up once each (a few thousand for
# a year of deals, against hundreds of thousands of rows), on the unique (currency, day)
# index. A key with a row lacking a rate reports its earliest one, by day then currency as
# ``sum_converted`` meets them; "C" collation so the tie-break orders as Python's.
_SUMS_SQL = """
WITH g(key, currency, day, total) AS ({rows}),
rated AS (
  SELECT d.currency, d.day, x.rate
  FROM (SELECT DISTINCT currency, day FROM g WHERE currency <> %s) d
  LEFT JOIN LATERAL (
    SELECT r.rate FROM {rates} r
    WHERE r.currency = d.currency AND r.effective_on <= d.day
    ORDER BY r.effective_on DESC LIMIT 1
  ) x ON true
)
SELECT g.key,
       ROUND(SUM(g.total * COALESCE(rated.rate, 1)), %s),
       MIN((to_char(g.day, 'YYYY-MM-DD') || ' ' || g.currency) COLLATE "C") FILTER (
         WHERE g.currency <> %s AND rated.rate IS NULL
       )
FROM g LEFT JOIN rated ON rated.currency = g.currency AND rated.day = g.day
WHERE g.total IS NOT NULL
GROUP BY g.key
"""


def _sums_converted_in_database(rows: QuerySet) -> dict[Hashable, Decimal | MissingExchangeRate]:
    """``sums_converted`` over ``(key, currency, day, amount)`` rows, in the database."""
    connection = connections[rows.db]
    inner, params = rows.query.get_compiler(using=rows.db).as_sql()
    program = default_currency()
    sql = _SUMS_SQL.format(rows=inner, rates=connection.ops.quote_name(ExchangeRate._meta.db_table))
    result: dict[Hashable, Decimal | MissingExchangeRate] = {}
    with connection.cursor() as cursor:
        # Rounded half up to the program currency's minor unit in the query: ``ROUND(numeric,
        # n)`` rounds half away from zero, which is ``quantize``'s ``ROUND_HALF_UP``.
        cursor.execute(sql, (*params, program, minor_unit(program), program))
        for key, total, missing in cursor.fetchall():
            if missing is None:
                result[key] = total
            else:
                day, code = missing.split(" ")
                result[key] = MissingExchangeRate(code, dt.date.fromisoformat(day))
    return result
