"""Entering exchange rates: one at a time (the ops form) or from a CSV file. Both audited."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.csvfiles import read_rows
from prm.exceptions import DomainError
from prm.models import User
from prm.money import MINOR_UNITS, default_currency, to_decimal
from prm.permissions import require_program_ops

from .models import ExchangeRate

MAX_IMPORT_ROWS = 5000
CSV_COLUMNS = ("currency", "rate", "effective_on")


class InvalidExchangeRate(DomainError):
    """The exchange rate is not valid."""

    code = "invalid_exchange_rate"


@dataclass
class RateImportReport:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)


def _require_ops(actor: User) -> None:
    require_program_ops(actor, _("Only program operations enter exchange rates."))


def clean_rate(*, currency: str, rate, effective_on) -> tuple[str, Decimal, dt.date]:
    code = (currency or "").strip().upper()
    if code not in MINOR_UNITS:
        raise InvalidExchangeRate(_("Unknown currency %(code)r.") % {"code": currency})
    if code == default_currency():
        raise InvalidExchangeRate(
            _("%(code)s is the program currency; its rate is always 1.") % {"code": code}
        )
    try:
        value = to_decimal(rate)
    except (TypeError, ValueError):
        raise InvalidExchangeRate(_("Not a rate: %(rate)r.") % {"rate": rate}) from None
    if not value.is_finite() or value <= 0:
        raise InvalidExchangeRate(_("A rate must be a positive number."))
    exponent = value.as_tuple().exponent
    if (isinstance(exponent, int) and exponent < -10) or value.adjusted() >= 10:
        raise InvalidExchangeRate(_("A rate has at most 10 digits before and after the point."))
    if isinstance(effective_on, str):
        try:
            effective_on = dt.date.fromisoformat(effective_on.strip())
        except ValueError:
            raise InvalidExchangeRate(
                _("Not a date: %(day)r (use YYYY-MM-DD).") % {"day": effective_on}
            ) from None
    return code, value, effective_on


@transaction.atomic
def set_exchange_rate(
    *, actor: User, currency: str, rate, effective_on: dt.date | str, reason: str = ""
) -> ExchangeRate:
    """Create the rate of ``currency`` from ``effective_on``, or correct the rate already
    entered for that day (the audit row keeps the previous value)."""
    _require_ops(actor)
    code, value, day = clean_rate(currency=currency, rate=rate, effective_on=effective_on)
    existing = (
        ExchangeRate.objects.select_for_update().filter(currency=code, effective_on=day).first()
    )
    previous = str(existing.rate) if existing else ""
    if existing is None:
        existing = ExchangeRate.objects.create(
            currency=code, rate=value, effective_on=day, entered_by=actor
        )
        verb = "exchange_rate_created"
    else:
        existing.rate, existing.entered_by = value, actor
        existing.save(update_fields=["rate", "entered_by", "updated_at"])
        verb = "exchange_rate_corrected"
    record_event(
        existing, actor=actor, verb=verb, from_state=previous, to_state=str(value), reason=reason
    )
    return existing


def import_exchange_rates(*, actor: User, data: bytes | str) -> RateImportReport:
    """Import ``currency,rate,effective_on`` rows. Each valid row is saved (its own audit row);
    each invalid row is reported with its line number and does not stop the others."""
    _require_ops(actor)
    _, rows = read_rows(
        data, required=CSV_COLUMNS, max_rows=MAX_IMPORT_ROWS, error=InvalidExchangeRate
    )
    report = RateImportReport()
    for line, row in rows:
        try:
            code, value, day = clean_rate(
                currency=row.get("currency", ""),
                rate=row.get("rate", ""),
                effective_on=row.get("effective_on", ""),
            )
        except InvalidExchangeRate as exc:
            report.errors.append((line, exc.message))
            continue
        existed = ExchangeRate.objects.filter(currency=code, effective_on=day).exists()
        set_exchange_rate(
            actor=actor, currency=code, rate=value, effective_on=day, reason="CSV import"
        )
        if existed:
            report.updated += 1
        else:
            report.created += 1
    return report
