"""Money into and out of funds outside the request lifecycle: the monthly accrual, the expiry
and carry-over job, discretionary allocations and adjustments by program ops, and the program
settings.

Both jobs are set-based and safe to re-run: partners are processed in chunks of ids, each chunk
one transaction that opens the missing funds in one insert, locks the chunk's funds (ascending
ids), reads what is already there in one query and appends the missing entries in one insert.
An accrual is written once per fund and month (unique constraint on fund, kind and source
month), so running a month again writes nothing; an expiry takes what is still available, so
running it again finds nothing left.
"""

import calendar
import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import DealRegistration
from partners.models import Partner, Tier, TierHistory
from prm.audit import record_event
from prm.bulk import atomic_bulk
from prm.currency.conversion import MissingExchangeRate, sums_converted
from prm.id_sets import id_set
from prm.models import User
from prm.money import format_money, parse_amount, quantize
from prm.notifications import notify
from prm.periods import fiscal_quarter
from prm.permissions import require_program_ops
from prm.side_by_side import even_chunks, in_parallel

from ..exceptions import InvalidMdfData, MdfNotAllowed
from ..ledger import services as ledger
from ..ledger.selectors import fund_balances
from ..models import Fund, LedgerEntry, MdfSettings
from .selectors import partner_admins

Kind = LedgerEntry.Kind
ZERO = Decimal(0)
CHUNK_SIZE = 5000
Progress = Callable[[int, int], None]


def require_ops(actor: User) -> None:
    require_program_ops(actor, _("Only program operations can do this."), error=MdfNotAllowed)


def parse_month(text: str) -> dt.date:
    """``2026-03`` → 2026-03-01."""
    try:
        year, month = (int(part) for part in str(text).strip().split("-"))
        return dt.date(year, month, 1)
    except (TypeError, ValueError) as exc:
        raise InvalidMdfData(_("Give a month as YYYY-MM, e.g. 2026-03.")) from exc


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


# --- Accrual ---------------------------------------------------------------------------------


@dataclass
class AccrualResult:
    month: dt.date
    partners: int = 0  # partners with something to accrue
    created: int = 0  # entries written by this run
    already: int = 0  # entries an earlier run had written
    total: Decimal = ZERO  # the month's accrual over every partner (both kinds above)


def _tiers_on(day: dt.date, partner_ids) -> dict[int, int | None]:
    """The tier in force on ``day``: the effective-dated history, else the current tier."""
    ids = id_set(sorted(partner_ids))
    current: dict[int, int | None] = dict(
        Partner.objects.filter(pk__in=ids).order_by().values_list("pk", "tier_id")
    )
    history = TierHistory.objects.filter(partner_id__in=ids, effective_from__lte=day).exclude(
        effective_to__lt=day
    )
    for partner_id, tier_id in history.order_by("effective_from").values_list(
        "partner_id", "tier_id"
    ):
        current[partner_id] = tier_id
    return current


def accrual_amounts(month: dt.date) -> dict[int, Decimal]:
    """Each active partner's accrual for ``month``: its won revenue closed in the month, each
    deal converted to the program currency at the rate of its close date, times its tier's MDF
    accrual rate on the month's last day, rounded to the cent. Partners accruing nothing are
    left out. Raises ``MissingExchangeRate`` rather than leaving a deal out."""
    end = month_end(month)
    won = DealRegistration.objects.filter(
        status=DealRegistration.Status.WON,
        closed_on__gte=month,
        closed_on__lte=end,
        closed_amount__isnull=False,
        partner__status=Partner.Status.ACTIVE,
    )
    # Each partner's revenue converted and rounded once (in the database on PostgreSQL).
    revenue = sums_converted(won, by="partner_id", amount="closed_amount", on="closed_on")
    missing = [sum_ for sum_ in revenue.values() if isinstance(sum_, MissingExchangeRate)]
    if missing:
        raise min(missing, key=lambda exc: (exc.on, exc.currency))
    rates = dict(Tier.objects.values_list("pk", "mdf_accrual_rate"))
    tiers = _tiers_on(end, list(revenue))
    amounts: dict[int, Decimal] = {}
    for key, converted in revenue.items():
        partner_id = cast(int, key)
        assert isinstance(converted, Decimal)  # a missing rate was raised above
        tier_id = tiers.get(partner_id)
        rate = rates.get(tier_id) if tier_id is not None else None
        amount = quantize(converted * rate) if rate else ZERO  # no rate: no MDF benefit
        if amount > 0:
            amounts[partner_id] = amount
    return amounts


def accrue_month(*, month: dt.date, progress: Progress | None = None) -> AccrualResult:
    """Accrue ``month`` for every partner into the fund of the fiscal quarter holding it."""
    month = month.replace(day=1)
    amounts = accrual_amounts(month)
    period = fiscal_quarter(month)
    result = AccrualResult(month=month, partners=len(amounts), total=sum(amounts.values(), ZERO))
    partner_ids = sorted(amounts)
    counting = threading.Lock()

    def accrue(chunk: Sequence[int]) -> None:
        created = _accrue_chunk(chunk, amounts, period, month)
        with counting:
            result.created += created
            result.already += len(chunk) - created
            if progress:
                progress(result.created + result.already, len(partner_ids))

    # Chunks hold disjoint partners, so disjoint funds: a worker accrues several at once.
    in_parallel(
        [partial(accrue, chunk) for chunk in even_chunks(partner_ids, CHUNK_SIZE)],
        at_once=settings.PRM_JOB_CONNECTIONS,
    )
    if result.created:  # a re-run that writes nothing leaves no trace either
        _record_job(
            "mdf.accrual_run",
            {"month": month.isoformat(), "partners": result.partners,
             "created": result.created, "total": str(result.total)},
        )  # fmt: skip
    return result


@atomic_bulk()
def _accrue_chunk(chunk, amounts, period, month) -> int:
    funds = ledger.open_for_append(chunk, period, kind=Kind.ACCRUAL, month=month)
    reason = _("Accrual for %(month)s") % {"month": f"{month:%Y-%m}"}
    movements = [
        ledger.Movement(fund, Kind.ACCRUAL, amounts[p], source_month=month, reason=reason)
        for p in chunk
        if (fund := funds.funds[p]) not in funds.done
    ]
    return ledger.post_many(movements, state=funds.state)


def _record_job(verb: str, data: dict) -> None:
    record_event(MdfSettings.current(), actor=None, verb=verb, data=data)


# --- Expiry and carry-over -------------------------------------------------------------------


@dataclass
class ExpiryResult:
    as_of: dt.date
    funds: int = 0  # funds that had money left at expiry in this run
    expired: Decimal = ZERO
    carried: Decimal = ZERO
    created: int = 0


def expire_funds(*, as_of: dt.date | None = None, progress: Progress | None = None) -> ExpiryResult:
    """Close every fund whose last usable day is before ``as_of``: what is still available
    expires, or under the "next period" rule moves (up to the cap, per fund) into the same
    partner's fund of the next quarter. Committed money stays committed until it is paid or
    released (a release on an expired fund expires at once)."""
    as_of = as_of or timezone.localdate()
    program = MdfSettings.current()
    ids = list(
        Fund.objects.filter(expires_on__lt=as_of).order_by("pk").values_list("pk", flat=True)
    )
    result = ExpiryResult(as_of=as_of)
    for start in range(0, len(ids), CHUNK_SIZE):
        _expire_chunk(ids[start : start + CHUNK_SIZE], program, result)
        if progress:
            progress(min(start + CHUNK_SIZE, len(ids)), len(ids))
    if result.created:
        _record_job(
            "mdf.expiry_run",
            {"as_of": as_of.isoformat(), "funds": result.funds, "expired": str(result.expired),
             "carried": str(result.carried)},
        )  # fmt: skip
    return result


@atomic_bulk()
def _expire_chunk(ids: list[int], program: MdfSettings, result: ExpiryResult) -> None:
    candidates = {pk: b for pk, b in fund_balances(ids).items() if b.available > 0}
    if not candidates:
        return
    funds = {f.pk: f for f in Fund.objects.filter(pk__in=list(candidates))}
    carry = program.carry_over == MdfSettings.CarryOver.NEXT_PERIOD
    targets: dict[int, int] = {}
    if carry:
        by_period: dict = defaultdict(list)
        for fund in funds.values():
            by_period[fiscal_quarter(fund.ends_on).next()].append(fund)
        for period, group in by_period.items():
            opened = ledger.open_funds([f.partner_id for f in group], period)
            targets.update({f.pk: opened[f.partner_id] for f in group})
    ledger.lock_funds([*funds, *targets.values()])
    # Locked now: read again, a reservation may have landed since the first read.
    balances = fund_balances(list(funds))
    movements = []
    for pk, fund in sorted(funds.items()):
        available = balances[pk].available
        if available <= 0:
            continue
        result.funds += 1
        moved = ZERO
        if carry:
            cap = program.carry_over_cap
            moved = available if cap is None else min(available, cap)
        if moved > 0:
            reason = _("Carried over from %(period)s") % {"period": fund.period}
            movements.append(
                ledger.Movement(pk, Kind.CARRY_OUT, moved, source_month=fund.ends_on, reason=reason)
            )
            movements.append(
                ledger.Movement(
                    targets[pk], Kind.CARRY_IN, moved, source_month=fund.ends_on, reason=reason
                )
            )
            result.carried += moved
        if available - moved > 0:
            movements.append(_expiry(fund, available - moved))
            result.expired += available - moved
    result.created += ledger.post_many(movements)


def _expiry(fund: Fund, amount: Decimal) -> "ledger.Movement":
    # The job's first expiry of a fund is keyed by the period's end (unique); money released
    # into the fund later expires in entries without a key.
    first = not LedgerEntry.objects.filter(
        fund=fund, kind=Kind.EXPIRY, source_month=fund.ends_on
    ).exists()
    return ledger.Movement(
        fund.pk,
        Kind.EXPIRY,
        amount,
        source_month=fund.ends_on if first else None,
        reason=_("Expired on %(day)s") % {"day": fund.expires_on.isoformat()},
    )


# --- Ops: allocations and adjustments --------------------------------------------------------


def _reason(text: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise InvalidMdfData(_("Give a reason."), details={"reason": _("Give a reason.")})
    return reason


@transaction.atomic
def allocate_funds(
    *, actor: User, partner: Partner, amount, reason: str, day: dt.date | None = None
) -> LedgerEntry:
    """A discretionary allocation by program ops into the partner's fund of the quarter
    holding ``day`` (today by default), with its reason."""
    require_ops(actor)
    value = parse_amount(amount)
    if not value:
        raise InvalidMdfData(_("Allocate an amount above zero."), details={"amount": "zero"})
    reason = _reason(reason)
    fund = ledger.open_fund(partner=partner, day=day or timezone.localdate())
    entry = ledger.record(fund=fund, kind=Kind.ALLOCATION, amount=value, actor=actor, reason=reason)
    record_event(
        fund, actor=actor, verb="mdf.allocated", reason=reason,
        data={"amount": str(value), "entry": entry.pk},
    )  # fmt: skip
    notify(
        partner_admins(partner),
        kind="mdf_allocated",
        template="mdf/email/allocated",
        context={"partner": partner, "amount": format_money(value), "reason": reason,
                 "fund": fund},
    )  # fmt: skip
    return entry


@transaction.atomic
def adjust_fund(*, actor: User, fund: Fund, amount, reason: str) -> LedgerEntry:
    """A correction by program ops: a positive or negative amount, never below what is
    available."""
    require_ops(actor)
    value = parse_amount(amount, allow_negative=True)
    if not value:
        raise InvalidMdfData(_("Adjust by an amount other than zero."), details={"amount": "zero"})
    reason = _reason(reason)
    entry = ledger.record(fund=fund, kind=Kind.ADJUSTMENT, amount=value, actor=actor, reason=reason)
    record_event(
        fund, actor=actor, verb="mdf.adjusted", reason=reason,
        data={"amount": str(value), "entry": entry.pk},
    )  # fmt: skip
    return entry


SETTINGS_FIELDS = (
    "carry_over", "carry_over_days", "carry_over_cap", "execute_window_days",
    "claim_window_days", "ops_approval_threshold", "decision_days", "expiring_soon_days",
    "proof_max_bytes",
)  # fmt: skip


@transaction.atomic
def update_settings(*, actor: User, **values) -> MdfSettings:
    """Change the program settings (ops), audited with the values before and after. New
    carry-over rules apply to funds opened from now on."""
    require_ops(actor)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise InvalidMdfData(_("Unknown settings: %(names)s") % {"names": ", ".join(unknown)})
    program = MdfSettings.current()
    before = {name: str(getattr(program, name)) for name in values}
    for name, value in values.items():
        setattr(program, name, value)
    program.updated_by = actor
    program.updated_at = timezone.now()
    program.full_clean()
    program.save()
    record_event(
        program, actor=actor, verb="mdf.settings_changed",
        data={"before": before, "after": {n: str(getattr(program, n)) for n in values}},
    )  # fmt: skip
    return program
