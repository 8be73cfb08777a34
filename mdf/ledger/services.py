"""The only writer of ``LedgerEntry`` rows (see ``mdf.models.funds`` for why no path can spend
more than is available).

``post`` appends movements to funds whose rows the caller has locked with ``lock_funds`` in the
same transaction; ``record`` is the one-fund shortcut that locks for itself. Movements are
checked before anything is written: a movement that would take a running balance below zero
raises ``InsufficientFunds`` and nothing of the batch is kept.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner
from prm.bulk import copy_rows
from prm.id_sets import id_array, id_set
from prm.locks import lock_many
from prm.models import User
from prm.money import default_currency, format_money
from prm.periods import FiscalPeriod, fiscal_quarter

from ..exceptions import InsufficientFunds, InvalidMdfData
from ..models import Fund, LedgerEntry, MdfSettings

Kind = LedgerEntry.Kind
ZERO = Decimal(0)


@dataclass(frozen=True)
class Movement:
    """One entry to append: ``amount`` is positive (an adjustment may be negative)."""

    fund_id: int
    kind: str
    amount: Decimal
    request_id: int | None = None
    payment_id: int | None = None
    source_month: dt.date | None = None
    reason: str = ""


# --- Funds -----------------------------------------------------------------------------------


def expiry_for(period: FiscalPeriod, program: MdfSettings | None = None) -> dt.date:
    """The last day a fund of ``period`` can be reserved from, under the carry-over rule."""
    program = program or MdfSettings.current()
    if program.carry_over == MdfSettings.CarryOver.DAYS:
        return period.end + dt.timedelta(days=program.carry_over_days)
    return period.end


def open_funds(partner_ids: Iterable[int], period: FiscalPeriod) -> dict[int, int]:
    """The fund id of each partner for ``period``, opening the missing ones in one insert.

    Safe against concurrent callers: the unique (partner, period) constraint lets one insert
    win and the others read its row."""
    wanted = set(partner_ids)
    found = dict(
        Fund.objects.filter(partner_id__in=id_set(sorted(wanted)), period=period.label).values_list(
            "partner_id", "pk"
        )
    )
    missing = sorted(wanted - set(found))
    if missing:
        expires_on = expiry_for(period)
        Fund.objects.bulk_create(
            [
                Fund(
                    partner_id=partner_id,
                    period=period.label,
                    starts_on=period.start,
                    ends_on=period.end,
                    expires_on=expires_on,
                    currency=default_currency(),
                )
                for partner_id in missing
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        found.update(
            Fund.objects.filter(partner_id__in=id_set(missing), period=period.label).values_list(
                "partner_id", "pk"
            )
        )
    return found


def open_fund(*, partner: Partner, day: dt.date) -> Fund:
    """The partner's fund for the fiscal quarter holding ``day`` (opened when missing)."""
    period = fiscal_quarter(day)
    return Fund.objects.get(pk=open_funds([partner.pk], period)[partner.pk])


def lock_funds(fund_ids: Iterable[int]) -> dict[int, Fund]:
    """Lock fund rows, ascending primary key (the one lock order, so no deadlock cycles).
    Must run inside the transaction that posts to them."""
    ids = sorted(set(fund_ids))
    if len(ids) < 50:
        return {fund.pk: fund for fund in lock_many(Fund, ids)}
    rows = Fund.objects.select_for_update().filter(pk__in=id_set(ids)).order_by("pk")
    return {fund.pk: fund for fund in rows}


def _lock_for_append(fund_ids: Iterable[int]) -> dict[int, tuple[int, Decimal, Decimal]]:
    """``lock_funds`` and ``_last_entries`` in one query: each fund's (last sequence, available
    after, committed after), zeros for a fund without entries (``open_for_append`` elsewhere
    than on PostgreSQL)."""
    last = LedgerEntry.objects.filter(fund_id=OuterRef("pk")).order_by("-sequence")
    rows = (
        Fund.objects.select_for_update()
        .filter(pk__in=id_set(sorted(set(fund_ids))))
        .order_by("pk")
        .annotate(
            last_sequence=Subquery(last.values("sequence")[:1]),
            last_available=Subquery(last.values("available_after")[:1]),
            last_committed=Subquery(last.values("committed_after")[:1]),
        )
        .values_list("pk", "last_sequence", "last_available", "last_committed")
    )
    return {pk: (seq or 0, avail or ZERO, committed or ZERO) for pk, seq, avail, committed in rows}


@dataclass
class Appending:
    """What a job appending once-per-month entries needs of its partners' funds, locked."""

    funds: dict[int, int]  # partner id: fund id
    # fund id: (last sequence, available after, committed after), for ``post_many(state=...)``
    state: dict[int, tuple[int, Decimal, Decimal]]
    done: set[int]  # funds already holding the month's entry of the kind


def open_for_append(
    partner_ids: Iterable[int], period: FiscalPeriod, *, kind: str, month: dt.date
) -> Appending:
    """For the jobs' large batches: each partner's fund of ``period`` (opened when missing),
    locked in id order, with its last entry, and which funds already hold the ``kind`` entry of
    ``month`` (a once-per-month kind). Pass ``state`` to ``post_many`` in the same transaction.

    On PostgreSQL the funds that exist are found, locked and read in one statement, each fund's
    last entry one lateral walk of the unique (fund, sequence) index (a month's accrual finds
    them all but in a quarter's first month); the missing ones are then opened and read the
    same way, after (their ids are higher, so the lock order holds)."""
    wanted = sorted(set(partner_ids))
    if transaction.get_connection().vendor != "postgresql":
        funds = open_funds(wanted, period)
        done = set(
            LedgerEntry.objects.filter(
                fund_id__in=list(funds.values()), kind=kind, source_month=month
            ).values_list("fund_id", flat=True)
        )
        return Appending(funds, _lock_for_append(funds.values()), done)
    appending = Appending({}, {}, set())
    _read_for_append(appending, wanted, period, kind, month)
    missing = [p for p in wanted if p not in appending.funds]
    if missing:  # opened now (or by another job meanwhile)
        open_funds(missing, period)
        _read_for_append(appending, missing, period, kind, month)
    return appending


def _read_for_append(
    appending: Appending, partner_ids: list[int], period: FiscalPeriod, kind: str, month: dt.date
) -> None:
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(_OPEN_FOR_APPEND, [kind, month, id_array(partner_ids), period.label])
        rows = cursor.fetchall()
    for partner_id, fund_id, seq, avail, committed, holding in rows:
        appending.funds[partner_id] = fund_id
        appending.state[fund_id] = (seq or 0, avail or ZERO, committed or ZERO)
        if holding:
            appending.done.add(fund_id)


_OPEN_FOR_APPEND = f"""
SELECT f.partner_id, f.id, e.sequence, e.available_after, e.committed_after,
       EXISTS (SELECT 1 FROM {LedgerEntry._meta.db_table} m
               WHERE m.fund_id = f.id AND m.kind = %s AND m.source_month = %s) AS holding
FROM {Fund._meta.db_table} f
LEFT JOIN LATERAL (
    SELECT l.sequence, l.available_after, l.committed_after FROM {LedgerEntry._meta.db_table} l
    WHERE l.fund_id = f.id ORDER BY l.sequence DESC LIMIT 1
) e ON true
WHERE f.partner_id = ANY(%s::bigint[]) AND f.period = %s
ORDER BY f.id
FOR UPDATE OF f
"""  # noqa: S608 - table names of the models; every value is a parameter


# --- Entries ---------------------------------------------------------------------------------


def _last_entries(fund_ids: Sequence[int]) -> dict[int, tuple[int, Decimal, Decimal]]:
    """(sequence, available after, committed after) of each fund's last entry."""
    fields = ("fund_id", "sequence", "available_after", "committed_after")
    if transaction.get_connection().vendor == "postgresql":
        # One index walk per fund on the unique (fund, sequence) index.
        rows = (
            LedgerEntry.objects.filter(fund_id__in=id_set(fund_ids))
            .order_by("fund_id", "-sequence")
            .distinct("fund_id")
            .values_list(*fields)
        )
    else:
        last = LedgerEntry.objects.filter(fund_id=OuterRef("fund_id")).order_by("-sequence")
        rows = LedgerEntry.objects.filter(
            fund_id__in=list(fund_ids), sequence=Subquery(last.values("sequence")[:1])
        ).values_list(*fields)
    return {fund_id: (seq, avail, committed) for fund_id, seq, avail, committed in rows}


def _check_amount(movement: Movement) -> None:
    if movement.kind not in LedgerEntry.EFFECTS:
        raise InvalidMdfData(f"Unknown ledger entry kind {movement.kind!r}.")
    if movement.amount == 0 or (movement.amount < 0 and movement.kind != Kind.ADJUSTMENT):
        raise InvalidMdfData(_("A ledger amount must be positive."))


# The columns of an entry as ``_rows`` computes them.
_NAMES = [
    "fund_id", "sequence", "kind", "amount", "available_delta", "committed_delta",
    "available_after", "committed_after", "request_id", "payment_id", "source_month", "reason",
    "actor_id", "created_at",
]  # fmt: skip


def _rows(movements: Sequence[Movement], actor: User | None, state=None) -> list[tuple]:
    """The entries to append, as column tuples, each following the fund's last entry (or the
    batch's previous movement on that fund). Raises before anything is written."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("post() must run inside the transaction holding the fund locks.")
    funds = sorted({m.fund_id for m in movements})
    state = _last_entries(funds) if state is None else dict(state)
    actor_id = actor.pk if actor is not None else None
    now = timezone.now()
    rows = []
    for movement in movements:
        _check_amount(movement)
        seq, avail, committed = state.get(movement.fund_id, (0, ZERO, ZERO))
        to_avail, to_committed = LedgerEntry.EFFECTS[Kind(movement.kind)]
        available_delta = movement.amount * to_avail
        committed_delta = movement.amount * to_committed
        avail, committed = avail + available_delta, committed + committed_delta
        if avail < 0 or committed < 0:
            raise _insufficient(movement, avail - available_delta)
        seq += 1
        state[movement.fund_id] = (seq, avail, committed)
        rows.append(
            (movement.fund_id, seq, str(movement.kind), movement.amount, available_delta,
             committed_delta, avail, committed, movement.request_id, movement.payment_id,
             movement.source_month, movement.reason[:500], actor_id, now)
        )  # fmt: skip
    return rows


def _entries(rows: list[tuple]) -> list[LedgerEntry]:
    return [LedgerEntry(**dict(zip(_NAMES, row, strict=True))) for row in rows]


def post(movements: Sequence[Movement], *, actor: User | None = None) -> list[LedgerEntry]:
    """Append ``movements`` in order and return the entries. The caller holds ``lock_funds``
    on every fund involved inside the current transaction. Raises ``InsufficientFunds``
    (writing nothing) when any movement would take a fund's available or committed balance
    below zero."""
    if not movements:
        return []
    return LedgerEntry.objects.bulk_create(_entries(_rows(movements, actor)), batch_size=2000)


def post_many(
    movements: Sequence[Movement],
    *,
    actor: User | None = None,
    state: dict[int, tuple[int, Decimal, Decimal]] | None = None,
) -> int:
    """``post`` for the jobs' large batches: the same entries and checks, returning how many
    were written. On PostgreSQL the batch is one ``COPY`` of the rows as ``_rows`` computes
    them (values psycopg writes as they are): no statement to build and no parameter per value
    to adapt (an ``INSERT … SELECT FROM unnest(arrays)`` spent more time adapting its fourteen
    arrays, element by element, than the database spent inserting)."""
    if not movements:
        return 0
    rows = _rows(movements, actor, state)
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return len(LedgerEntry.objects.bulk_create(_entries(rows), batch_size=2000))
    copy_rows(LedgerEntry, _NAMES, rows)
    return len(rows)


def _insufficient(movement: Movement, available: Decimal) -> InsufficientFunds:
    if movement.kind == Kind.PAYMENT or movement.kind == Kind.RELEASE:
        message = _("More than the reserved amount cannot be paid or released.")
    else:
        message = _("Only %(available)s is available in this fund; %(amount)s was asked for.") % {
            "available": format_money(available),
            "amount": format_money(abs(movement.amount)),
        }
    return InsufficientFunds(
        message,
        details={"fund": movement.fund_id, "available": str(available), "kind": movement.kind},
    )


@transaction.atomic
def record(
    *,
    fund: Fund,
    kind: str,
    amount: Decimal,
    actor: User | None = None,
    reason: str = "",
    request_id: int | None = None,
    payment_id: int | None = None,
    source_month: dt.date | None = None,
) -> LedgerEntry:
    """Lock one fund and append one entry to it."""
    lock_funds([fund.pk])
    movement = Movement(fund.pk, kind, amount, request_id, payment_id, source_month, reason)
    return post([movement], actor=actor)[0]


def movements_by_fund(movements: Iterable[Movement]) -> dict[int, list[Movement]]:
    grouped: dict[int, list[Movement]] = defaultdict(list)
    for movement in movements:
        grouped[movement.fund_id].append(movement)
    return grouped
