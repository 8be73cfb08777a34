"""The ledger: balances derived from entries, no overdraw, append-only, one chain per fund."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from mdf.exceptions import InsufficientFunds, InvalidMdfData
from mdf.ledger import services as ledger
from mdf.ledger.selectors import fund_balance
from mdf.models import LedgerEntry

from .conftest import today

Kind = LedgerEntry.Kind


@pytest.fixture
def fund(mdf_acme):
    return ledger.open_fund(partner=mdf_acme, day=today())


def test_balances_follow_the_entries_and_account_for_every_cent(fund):
    ledger.record(fund=fund, kind=Kind.ALLOCATION, amount=Decimal("100.00"))
    ledger.record(fund=fund, kind=Kind.RESERVATION, amount=Decimal("60.00"))
    ledger.record(fund=fund, kind=Kind.RELEASE, amount=Decimal("10.00"))
    ledger.record(fund=fund, kind=Kind.PAYMENT, amount=Decimal("50.00"))

    balance = fund_balance(fund)
    assert (balance.credited, balance.available, balance.committed, balance.paid) == (
        Decimal("100.00"), Decimal("50.00"), Decimal("0.00"), Decimal("50.00"),
    )  # fmt: skip
    assert balance.accounted
    assert list(fund.entries.values_list("sequence", flat=True)) == [1, 2, 3, 4]


def test_a_reservation_beyond_the_available_balance_is_refused_and_writes_nothing(fund):
    ledger.record(fund=fund, kind=Kind.ALLOCATION, amount=Decimal("100.00"))
    with pytest.raises(InsufficientFunds, match="100.00"):
        ledger.record(fund=fund, kind=Kind.RESERVATION, amount=Decimal("100.01"))
    assert fund.entries.count() == 1


def test_paying_more_than_is_committed_is_refused(fund):
    ledger.record(fund=fund, kind=Kind.ALLOCATION, amount=Decimal("100.00"))
    ledger.record(fund=fund, kind=Kind.RESERVATION, amount=Decimal("40.00"))
    with pytest.raises(InsufficientFunds):
        ledger.record(fund=fund, kind=Kind.PAYMENT, amount=Decimal("40.01"))


def test_a_negative_adjustment_cannot_take_the_fund_below_zero(fund):
    ledger.record(fund=fund, kind=Kind.ALLOCATION, amount=Decimal("10.00"))
    ledger.record(fund=fund, kind=Kind.ADJUSTMENT, amount=Decimal("-4.00"))
    with pytest.raises(InsufficientFunds):
        ledger.record(fund=fund, kind=Kind.ADJUSTMENT, amount=Decimal("-6.01"))
    assert fund_balance(fund).available == Decimal("6.00")


def test_amounts_must_be_positive_except_adjustments(fund):
    with pytest.raises(InvalidMdfData):
        ledger.record(fund=fund, kind=Kind.ALLOCATION, amount=Decimal("-1"))


def test_entries_cannot_be_changed_or_deleted(fund):
    entry = ledger.record(fund=fund, kind=Kind.ALLOCATION, amount=Decimal("1.00"))
    with pytest.raises(RuntimeError, match="append-only"):
        entry.save()
    with pytest.raises(RuntimeError, match="append-only"):
        entry.delete()


def test_a_forked_chain_is_refused_by_the_database(fund):
    entry = ledger.record(fund=fund, kind=Kind.ALLOCATION, amount=Decimal("5.00"))
    twin = LedgerEntry(
        fund=fund, sequence=entry.sequence, kind=Kind.ALLOCATION, amount=Decimal("5.00"),
        available_delta=Decimal("5.00"), committed_delta=0, available_after=Decimal("5.00"),
        committed_after=0,
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_a_negative_running_balance_is_refused_by_the_database(fund):
    row = LedgerEntry(
        fund=fund, sequence=1, kind=Kind.RESERVATION, amount=Decimal("5.00"),
        available_delta=Decimal("-5.00"), committed_delta=Decimal("5.00"),
        available_after=Decimal("-5.00"), committed_after=Decimal("5.00"),
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_a_kind_cannot_carry_another_kinds_effect(fund):
    row = LedgerEntry(
        fund=fund, sequence=1, kind=Kind.RESERVATION, amount=Decimal("5.00"),
        available_delta=Decimal("5.00"), committed_delta=Decimal("5.00"),
        available_after=Decimal("5.00"), committed_after=Decimal("5.00"),
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the chain trigger is PostgreSQL's")
def test_postgresql_refuses_a_running_balance_that_does_not_follow(fund):
    ledger.record(fund=fund, kind=Kind.ALLOCATION, amount=Decimal("5.00"))
    forged = LedgerEntry(
        fund=fund, sequence=2, kind=Kind.ALLOCATION, amount=Decimal("1.00"),
        available_delta=Decimal("1.00"), committed_delta=0,
        available_after=Decimal("1000.00"), committed_after=0,
    )  # fmt: skip
    with pytest.raises(IntegrityError, match="does not follow"), transaction.atomic():
        forged.save()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(fund=fund).update(reason="changed")


@pytest.mark.django_db(transaction=True)
def test_posting_outside_a_transaction_is_refused(fund):
    with pytest.raises(RuntimeError):
        ledger.post([ledger.Movement(fund.pk, Kind.ALLOCATION, Decimal("1"))])


def test_a_large_batch_is_written_with_the_same_rows_and_checks(fund):
    from django.db import transaction

    movements = [ledger.Movement(fund.pk, Kind.ALLOCATION, Decimal("10.00"), reason=str(n))
                 for n in range(250)]  # fmt: skip
    with transaction.atomic():
        ledger.lock_funds([fund.pk])
        assert ledger.post_many(movements) == 250
    assert fund_balance(fund).available == Decimal("2500.00")
    assert list(fund.entries.values_list("sequence", flat=True)) == list(range(1, 251))
    overdraw = [ledger.Movement(fund.pk, Kind.RESERVATION, Decimal("2500.01"))]
    with pytest.raises(InsufficientFunds), transaction.atomic():
        ledger.post_many(overdraw)


def test_open_for_append_opens_locks_and_reads_each_partners_fund(fund, mdf_acme, globex):
    """A partner's existing fund with its last entry, one opened for a partner without, and
    which funds already hold the month's entry of the kind."""
    import datetime as dt

    from prm.periods import fiscal_quarter

    month = today().replace(day=1)
    ledger.record(fund=fund, kind=Kind.ALLOCATION, amount=Decimal("100.00"))
    ledger.record(fund=fund, kind=Kind.RESERVATION, amount=Decimal("30.00"))
    ledger.record(fund=fund, kind=Kind.ACCRUAL, amount=Decimal("5.00"), source_month=month)
    period = fiscal_quarter(today())

    with transaction.atomic():
        appending = ledger.open_for_append(
            [globex.pk, mdf_acme.pk], period, kind=Kind.ACCRUAL, month=month
        )
        opened = appending.funds[globex.pk]
        assert appending.funds[mdf_acme.pk] == fund.pk and opened != fund.pk
        assert appending.state == {
            fund.pk: (3, Decimal("75.00"), Decimal("30.00")),
            opened: (0, Decimal(0), Decimal(0)),
        }
        assert appending.done == {fund.pk}
        earlier = ledger.open_for_append(
            [mdf_acme.pk], period, kind=Kind.ACCRUAL, month=month - dt.timedelta(days=31)
        )
        assert earlier.done == set()
