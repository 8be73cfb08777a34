"""CSV exports for finance: statements with their totals and payouts (program ops), commission
lines (any filtered, scoped set) and one statement in full (the partner's side). Streamed row by
row; text goes through ``safe_cell`` so a spreadsheet never runs a cell as a formula, while
amounts stay plain numbers (a clawback's minus sign is a number's, not a formula's)."""

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db.models import QuerySet

from prm.csvfiles import safe_cell
from prm.money import quantize

from .models import CommissionLine, Payout, Statement
from .statements import StatementTotals, statement_totals

STATEMENT_COLUMNS = [
    "statement_id", "partner", "period", "currency", "status", "opening", "earned",
    "clawed_back", "pending", "held", "approved", "paid", "paid_out", "closing", "payable",
    "approved_at", "approved_by",
]  # fmt: skip
PAYOUT_COLUMNS = [
    "payout_id", "statement_id", "partner", "period", "currency", "amount", "paid_on",
    "external_reference", "recorded_by", "recorded_at",
]  # fmt: skip


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    # Numbers are written as they are (a negative balance must stay a number); text is defused.
    if value is None:
        return ""
    if isinstance(value, int | Decimal | dt.date):
        return str(value)
    return safe_cell(value)


def _csv(header: list[str], rows: Iterator[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])


def statement_rows(statements: QuerySet[Statement]) -> Iterator[str]:
    def rows():
        for statement in statements.iterator(chunk_size=500):
            t = statement_totals(statement)
            yield [
                statement.pk, statement.partner.display_name, statement.period,
                statement.currency, statement.status, t.opening, t.earned, t.clawed_back,
                t.pending, t.held, t.approved, t.paid, t.paid_out, t.closing, t.payable,
                statement.approved_at.isoformat() if statement.approved_at else "",
                statement.approved_by.email if statement.approved_by else "",
            ]  # fmt: skip

    return _csv(STATEMENT_COLUMNS, rows())


def payout_rows(payouts: QuerySet[Payout]) -> Iterator[str]:
    def rows():
        for payout in payouts.order_by("paid_on", "id").iterator(chunk_size=2000):
            yield [
                payout.pk, payout.statement_id, payout.partner.display_name,
                payout.statement.period, payout.currency, quantize(payout.amount, payout.currency),
                payout.paid_on.isoformat(), payout.external_reference, payout.recorded_by.email,
                payout.created_at.isoformat(),
            ]  # fmt: skip

    return _csv(PAYOUT_COLUMNS, rows())


# --- Lines and one statement in full (the partner's side) ------------------------------------

LINE_COLUMNS = [
    "line_id", "period", "partner", "deal_id", "customer", "kind", "status", "currency",
    "base_amount", "rate_percent", "tier_multiplier", "amount", "payable_from", "rule_id",
    "rule", "plan", "plan_version", "spiff", "reason", "reversal_reason", "payout_id",
]  # fmt: skip


def line_row(line: CommissionLine) -> list[str]:
    version = line.plan_version
    values = [
        line.pk, line.period, line.partner.display_name, line.deal_id, line.deal.customer_name,
        line.kind, line.status, line.currency,
        quantize(line.base_amount, line.currency), line.rate, line.multiplier,
        quantize(line.amount, line.currency), line.hold_until, line.rule_id, line.rule.name,
        version.plan.name, version.number, line.spiff.name if line.spiff is not None else "",
        line.reason, line.reversal_reason, line.payout_id,
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
    yield ["payout_id", "paid_on", "currency", "amount", "external_reference", "recorded_on"]
    for payout in payouts:
        yield [_cell(v) for v in (payout.pk, payout.paid_on, payout.currency,
               quantize(payout.amount, payout.currency), payout.external_reference,
               payout.statement.period)]  # fmt: skip
    yield []
    yield ["statement", "partner", "period", "currency", "status"]
    yield [_cell(v) for v in (statement.pk, statement.partner.display_name, statement.period,
           statement.currency, statement.status)]  # fmt: skip
    yield []
    yield ["total", "amount"]
    for name in ("opening", "earned", "clawed_back", "pending", "held", "approved", "paid",
                 "reversed", "paid_out", "closing", "payable"):  # fmt: skip
        yield [name, _cell(getattr(totals, name))]


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """Each row as one CSV text line, for a streaming response."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)
