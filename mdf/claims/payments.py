"""Paying approved claims: program ops record payments in bulk, all or nothing, from the
payments page, a CSV file or the API; each pays exactly a claim's approved amount."""

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.locks import lock_many
from prm.models import User
from prm.money import InvalidAmount, format_money, parse_amount
from prm.webhooks import publish

from ..exceptions import PaymentError
from ..funds.services import require_ops
from ..ledger import services as ledger
from ..models import Claim, FundRequest, LedgerEntry, MdfPayment
from .services import _notify_partner

Status = FundRequest.Status
Kind = LedgerEntry.Kind


@dataclass(frozen=True)
class PaymentRow:
    """One payment to record; ``line`` numbers it in error messages (a CSV line, a form row)."""

    request_id: int
    amount: Decimal
    paid_on: dt.date
    reference: str
    line: int = 0


@transaction.atomic
def record_payments(*, actor: User, rows: Sequence[PaymentRow]) -> list[MdfPayment]:
    """Record payments for approved claims, all or nothing: each must pay exactly the approved
    amount of a claim not paid yet, with a date and a reference. Errors name every bad line."""
    require_ops(actor)
    if not rows:
        raise PaymentError(_("No payments to record."))
    errors: dict[str, str] = {}
    seen: set[int] = set()
    latest_day = timezone.localdate() + dt.timedelta(days=1)  # a day of slack for time zones
    requests = {r.pk: r for r in lock_many(FundRequest, {row.request_id for row in rows})}
    claims = {c.request_id: c for c in Claim.objects.filter(request_id__in=list(requests))}
    for index, row in enumerate(rows, start=1):
        line = str(row.line or index)
        request = requests.get(row.request_id)
        if request is None:
            errors[line] = _("No fund request %(id)s.") % {"id": row.request_id}
        elif row.request_id in seen:
            errors[line] = _("Request %(id)s is paid twice in this batch.") % {"id": row.request_id}
        elif request.status != Status.CLAIM_APPROVED:
            errors[line] = _("Request %(id)s has no approved claim waiting for payment.") % {
                "id": row.request_id
            }
        elif row.amount != claims[request.pk].approved_amount:
            errors[line] = _("Pay exactly the approved %(n)s.") % {
                "n": format_money(claims[request.pk].approved_amount)
            }
        elif not (row.reference or "").strip():
            errors[line] = _("Give the payment reference.")
        elif row.paid_on > latest_day:
            errors[line] = _("A payment is recorded once it is sent: %(day)s lies ahead.") % {
                "day": row.paid_on
            }
        elif (approved_on := _approved_on(claims[request.pk])) and row.paid_on < approved_on:
            errors[line] = _("Paid on %(day)s, before the claim was approved (%(approved)s).") % {
                "day": row.paid_on,
                "approved": approved_on,
            }
        seen.add(row.request_id)
    if errors:
        raise PaymentError(
            _("No payment was recorded: %(n)d line(s) need attention.") % {"n": len(errors)},
            details={"lines": errors},
        )
    fund_ids = {requests[row.request_id].fund_id for row in rows}
    ledger.lock_funds(fund_id for fund_id in fund_ids if fund_id is not None)
    payments = []
    for row in rows:
        request = requests[row.request_id]
        assert request.fund_id is not None  # approved requests always reserve on a fund
        payment = MdfPayment.objects.create(
            request=request, partner_id=request.partner_id, amount=row.amount,
            currency=request.currency, paid_on=row.paid_on, reference=row.reference.strip()[:120],
            recorded_by=actor,
        )  # fmt: skip
        ledger.post(
            [ledger.Movement(request.fund_id, Kind.PAYMENT, row.amount, request_id=request.pk,
                             payment_id=payment.pk, reason=payment.reference)],
            actor=actor,
        )  # fmt: skip
        previous = request.move_to(Status.PAID)
        request.save(update_fields=["status", "updated_at"])
        record_event(
            request, actor=actor, verb="mdf.paid", from_state=previous, to_state=Status.PAID,
            data={"amount": str(row.amount), "paid_on": row.paid_on.isoformat(),
                  "reference": payment.reference},
        )  # fmt: skip
        _notify_partner(request, Status.PAID, claim=claims[request.pk], payment=payment)
        publish("payment.recorded", payment, partner=request.partner_id)
        payments.append(payment)
    return payments


def _approved_on(claim: Claim) -> dt.date | None:
    return timezone.localdate(claim.decided_at) if claim.decided_at else None


PAYMENT_COLUMNS = ("request", "amount", "paid_on", "reference")


def parse_payment_csv(data: bytes | str) -> list[PaymentRow]:
    """Read ``request,amount,paid_on,reference`` lines (a header line first). Raises
    ``PaymentError`` naming every bad line; nothing is recorded here."""
    text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text))
    if [c.strip().lower() for c in reader.fieldnames or []] != list(PAYMENT_COLUMNS):
        raise PaymentError(
            _("The first line must be: %(cols)s.") % {"cols": ",".join(PAYMENT_COLUMNS)}
        )
    rows, errors = [], {}
    for record in reader:
        line = reader.line_num
        try:
            rows.append(
                PaymentRow(
                    request_id=int(str(record["request"]).strip()),
                    amount=parse_amount(record["amount"]) or Decimal(0),
                    paid_on=dt.date.fromisoformat(str(record["paid_on"]).strip()),
                    reference=str(record["reference"] or "").strip(),
                    line=line,
                )
            )
        except (TypeError, ValueError) as exc:
            errors[str(line)] = (
                str(exc)
                if isinstance(exc, InvalidAmount)
                else _("Expected a request id, an amount, a date (YYYY-MM-DD) and a reference.")
            )
    if errors:
        raise PaymentError(
            _("No payment was recorded: %(n)d line(s) need attention.") % {"n": len(errors)},
            details={"lines": errors},
        )
    return rows
