"""Balances derived from the ledger: one grouped query per set of funds, never a stored total.

- credited: accruals, allocations, money carried in and adjustments;
- available: what can still be reserved;
- committed: reserved for approved requests and not yet paid or released;
- paid, expired, carried out: where the rest went.

``credited == available + committed + paid + expired + carried_out`` for every fund: every
cent is accounted for (``FundBalance.accounted``).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet, Sum

from ..models import Fund, LedgerEntry

Kind = LedgerEntry.Kind
ZERO = Decimal(0)


@dataclass
class FundBalance:
    fund_id: int
    by_kind: dict[str, Decimal] = field(default_factory=dict)
    available: Decimal = ZERO
    committed: Decimal = ZERO

    def _kind(self, *kinds: str) -> Decimal:
        return sum((self.by_kind.get(kind, ZERO) for kind in kinds), ZERO)

    @property
    def accrued(self) -> Decimal:
        return self._kind(Kind.ACCRUAL)

    @property
    def allocated(self) -> Decimal:
        return self._kind(Kind.ALLOCATION)

    @property
    def carried_in(self) -> Decimal:
        return self._kind(Kind.CARRY_IN)

    @property
    def adjusted(self) -> Decimal:
        return self._kind(Kind.ADJUSTMENT)

    @property
    def credited(self) -> Decimal:
        return self._kind(Kind.ACCRUAL, Kind.ALLOCATION, Kind.CARRY_IN, Kind.ADJUSTMENT)

    @property
    def paid(self) -> Decimal:
        return self._kind(Kind.PAYMENT)

    @property
    def expired(self) -> Decimal:
        return self._kind(Kind.EXPIRY)

    @property
    def carried_out(self) -> Decimal:
        return self._kind(Kind.CARRY_OUT)

    @property
    def accounted(self) -> bool:
        """Every credited cent is available, committed, paid, expired or carried out."""
        spent = self.available + self.committed + self.paid + self.expired + self.carried_out
        return self.credited == spent


def fund_balances(fund_ids: Iterable[int]) -> dict[int, FundBalance]:
    """The balance of each fund (funds without entries have zero balances)."""
    ids = list(fund_ids)
    balances = {fund_id: FundBalance(fund_id) for fund_id in ids}
    rows = (
        LedgerEntry.objects.filter(fund_id__in=ids)
        .order_by()
        .values_list("fund_id", "kind")
        .annotate(
            total=Sum("amount"), available=Sum("available_delta"), committed=Sum("committed_delta")
        )
    )
    for fund_id, kind, total, available, committed in rows:
        balance = balances[fund_id]
        balance.by_kind[kind] = total
        balance.available += available
        balance.committed += committed
    return balances


def fund_balance(fund: Fund) -> FundBalance:
    return fund_balances([fund.pk])[fund.pk]


def ledger_of(fund: Fund) -> QuerySet[LedgerEntry]:
    """A fund's entries, oldest first, with who made them and for which request."""
    return fund.entries.select_related("actor", "request", "payment").order_by("sequence")


def entries_for_request(request_id: int) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(request_id=request_id).order_by("created_at", "id")


def totals(balances: Iterable[FundBalance]) -> FundBalance:
    """The sum of several funds' balances."""
    total = FundBalance(fund_id=0)
    for balance in balances:
        for kind, amount in balance.by_kind.items():
            total.by_kind[kind] = total.by_kind.get(kind, ZERO) + amount
        total.available += balance.available
        total.committed += balance.committed
    return total


def is_open(fund: Fund, *, on: dt.date) -> bool:
    """Whether the fund can still be reserved from on ``on``."""
    return fund.starts_on <= on <= fund.expires_on
