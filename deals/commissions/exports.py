"""CSV exports for finance: commission lines (any filtered, scoped set) and one statement.

Rows are produced one at a time so a large export streams. Text a spreadsheet would run as a
formula (a customer called ``=HYPERLINK(…)``) is defused by ``prm.csvfiles.safe_cell``; amounts
are written as plain numbers (a clawback's minus sign is a number's, not a formula's).
"""

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db.models import QuerySet

from prm.csvfiles import safe_cell
from prm.money import quantize

from .models import CommissionLine, Payout, Statement
from .statements import StatementTotals

LINE_COLUMNS = [
    "line_id", "period", "partner", "deal_id", "customer", "kind", "status", "currency",
    "base_amount", "rate_percent", "tier_multiplier", "amount", "payable_from", "rule_id",
    "rule", "plan", "plan_version", "spiff", "reason", "payout_id",
]  # fmt: skip


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal | int | dt.date):
        return str(value)
    return safe_cell(value)


def line_row(line: CommissionLine) -> list[str]:
    version = line.plan_version
    values = [
        line.pk, line.period, line.partner.display_name, line.deal_id, line.deal.customer_name,
        line.kind, line.status, line.currency,
        quantize(line.base_amount, line.currency), line.rate, line.multiplier,
        quantize(line.amount, line.currency), line.hold_until, line.rule_id, line.rule.name,
        version.plan.name, version.number, line.spiff.name if line.spiff_id else "",
        line.reason, line.payout_id,
    ]  # fmt: skip
    return [_cell(v) for v in values]


def line_rows(lines: QuerySet[CommissionLine]) -> Iterator[list[str]]:
    yield LINE_COLUMNS
    related = lines.select_related("partner", "deal", "rule", "plan_version__plan", "spiff")
    for line in related.iterator(chunk_size=2000):
        yield line_row(line)


def statement_detail_rows(
    statement: Statement,
    totals: StatementTotals,
    lines: QuerySet[CommissionLine],
    payouts: Iterable[Payout],
) -> Iterator[list[str]]:
    """The statement's lines, then its payouts and totals, each section under its own header."""
    yield from line_rows(lines)
    yield []
    yield ["payout_id", "paid_on", "currency", "amount", "external_reference"]
    for payout in payouts:
        yield [_cell(v) for v in (payout.pk, payout.paid_on, payout.currency,
               quantize(payout.amount, payout.currency), payout.external_reference)]  # fmt: skip
    yield []
    yield ["statement", "partner", "period", "currency", "status"]
    yield [_cell(v) for v in (statement.pk, statement.partner.display_name, statement.period,
           statement.currency, statement.status)]  # fmt: skip
    yield []
    yield ["total", "amount"]
    for name in ("opening", "earned", "clawed_back", "pending", "held", "approved", "paid",
                 "paid_out", "closing"):  # fmt: skip
        yield [name, _cell(getattr(totals, name))]


class _Echo:
    def write(self, value):
        return value


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """Each row as one CSV text line, for a streaming response."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)
