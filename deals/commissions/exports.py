"""CSV exports for finance: statements with their totals, and payouts. Streamed row by row;
every cell goes through ``safe_cell`` so a spreadsheet never runs one as a formula."""

import csv
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import QuerySet

from prm.csvfiles import safe_cell

from .models import Payout, Statement
from .statements import statement_totals

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
    if isinstance(value, int | Decimal):
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
                payout.statement.period, payout.currency, payout.amount,
                payout.paid_on.isoformat(), payout.external_reference, payout.recorded_by.email,
                payout.created_at.isoformat(),
            ]  # fmt: skip

    return _csv(PAYOUT_COLUMNS, rows())
