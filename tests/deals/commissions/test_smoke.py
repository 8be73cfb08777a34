from decimal import Decimal

from deals.commissions.services import run_commission_calculation
from deals.models import CommissionLine

from .conftest import Q3, won_deal


def test_smoke(acme, margin_rule, ops):
    deal = won_deal(acme, amount="12345.67")
    run = run_commission_calculation(period=Q3, actor=ops)
    line = CommissionLine.objects.get()
    assert line.deal == deal and line.amount == Decimal("1234.57") and run.lines_created == 1
    again = run_commission_calculation(period=Q3, actor=ops)
    assert again.lines_created == 0 and again.status == "done"
