from decimal import Decimal

from mdf.claims import services as claims
from mdf.claims.payments import PaymentRow, record_payments
from mdf.funds.selectors import partner_balance
from mdf.models import FundRequest

from .conftest import today


def test_request_to_payment_moves_money_through_the_ledger(claimed_request, cam, ops, funded_acme):
    request = claims.approve_claim(actor=cam, request=claimed_request)
    record_payments(
        actor=ops,
        rows=[PaymentRow(request.pk, Decimal("900.00"), today(), "PAY-1")],
    )
    request.refresh_from_db()
    assert request.status == FundRequest.Status.PAID
    balance = partner_balance(funded_acme).total
    assert balance.credited == Decimal("5000.00")
    assert balance.paid == Decimal("900.00")
    assert balance.committed == 0
    assert balance.available == Decimal("4100.00")
    assert balance.accounted
