"""Commission fixtures: a plan in force from 2025, won deals on fixed dates, rates.

Periods are fiscal quarters with the fiscal year starting in January, so FY2026-Q3 is July to
September 2026. ``acme`` is a reseller on resale margin; ``globex`` an MSP.
"""

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from deals.commissions import plans
from deals.commissions.periods import commission_period
from deals.commissions.services import run_commission_calculation
from deals.models import CommissionRule, DealRegistration
from partners.models import Partner
from prm.currency.models import ExchangeRate
from tests.deals.factories import DealFactory

Q3 = "FY2026-Q3"
Q4 = "FY2026-Q4"
IN_Q3 = dt.date(2026, 8, 10)
IN_Q4 = dt.date(2026, 11, 5)


@pytest.fixture(autouse=True)
def _fiscal_year(settings):
    settings.PRM_FISCAL_YEAR_START_MONTH = 1
    settings.PRM_DEFAULT_CURRENCY = "USD"
    settings.PRM_COMMISSION_HOLD_DAYS = 30


@pytest.fixture
def plan(ops):
    return plans.create_plan(actor=ops, name="Standard", effective_from=dt.date(2025, 1, 1))


@pytest.fixture
def margin_rule(plan, ops):
    """Resellers on resale margin: 10 % partner-led (floor 8 %)."""
    return plans.save_rule(
        actor=ops,
        plan=plan,
        name="Resale margin",
        kind=CommissionRule.Kind.RESALE_MARGIN,
        rate=Decimal("10"),
        floor_rate=Decimal("8"),
    )


def won_deal(partner: Partner, *, amount="10000", closed_on=IN_Q3, currency="USD", **extra):
    user = extra.pop("registered_by", None)
    kwargs = {"registered_by": user} if user else {}
    return DealFactory(
        partner=partner,
        status=DealRegistration.Status.WON,
        closed_amount=Decimal(amount),
        closed_on=closed_on,
        currency=currency,
        estimated_amount=Decimal(amount),
        **kwargs,
        **extra,
    )


def rate(currency: str, value: str, day=dt.date(2026, 1, 1)) -> ExchangeRate:
    return ExchangeRate.objects.create(currency=currency, rate=Decimal(value), effective_on=day)


AFTER_HOLDS = dt.date(2027, 3, 1)


def pay_everything(period: str, ops, *, today=AFTER_HOLDS) -> list:
    """Approve every statement of ``period`` after the holds ended and pay what is payable."""
    from deals.commissions.exceptions import PayoutMismatch
    from deals.commissions.statements import approve_statement, record_payout, statement_totals
    from deals.models import Statement

    payouts = []
    for statement in Statement.objects.filter(period=period).order_by("pk"):
        approve_statement(statement=statement, actor=ops, today=today)
        payable = statement_totals(statement).payable
        with contextlib.suppress(PayoutMismatch):
            payouts.append(
                record_payout(
                    statement=statement,
                    actor=ops,
                    amount=payable,
                    paid_on=today,
                    external_reference=f"PAY-{statement.pk}",
                )
            )
    return payouts


def calculate(period: str, ops):
    """Calculate ``period`` as ops would once it has begun: on its first day when that is still
    ahead (a quarter is calculated from its first day), else today."""
    start = commission_period(period).start
    if start <= dt.date.today():
        return run_commission_calculation(period=period, actor=ops)
    first_day = dt.datetime.combine(start, dt.time(9), tzinfo=dt.UTC)
    with time_machine.travel(first_day, tick=False):
        return run_commission_calculation(period=period, actor=ops)
