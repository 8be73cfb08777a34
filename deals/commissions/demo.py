"""Demo commissions: exchange rates, the partner program's plan, a quarter spiff, and the
calculation of every quarter with won demo deals (the oldest approved and paid).

Safe to run again: rates, plan and spiff are looked up by their natural keys, and quarters
already calculated are left alone (the calculation is idempotent anyway).
"""

import datetime as dt
from decimal import Decimal

from django.db.models import Max, Min
from django.utils import timezone

from deals.models import CommissionLine, CommissionPlan, DealRegistration, Spiff, Statement
from partners.models import BusinessModel
from prm.currency.models import ExchangeRate
from prm.models import User

from . import plans
from .models import CommissionRule
from .periods import period_of
from .services import reverse_line, run_commission_calculation
from .statements import approve_statement, record_payout, statement_totals

Kind = CommissionRule.Kind
DEMO_PARTNER_USER = "admin@northwind.example"
LED, ASSISTED = "partner_led", "vendor_assisted"

# Units of USD per unit of each currency, from the first of January two years back and a
# revision six months ago.
RATES = {"EUR": ("1.08", "1.12"), "GBP": ("1.26", "1.29"), "CAD": ("0.74", "0.72"),
         "AUD": ("0.66", "0.65"), "JPY": ("0.0068", "0.0066"), "CHF": ("1.11", "1.15"),
         "SEK": ("0.094", "0.097"), "INR": ("0.012", "0.0118")}  # fmt: skip

# name, selectors, kind, rate, floor, extra. Self-sufficiency pays: partner-led deals earn
# several times what vendor-assisted ones do.
RULES = [
    ("Referral fee, partner-led", {"engagement": LED}, Kind.ONE_TIME_FEE, "20", "15", {}),
    ("Referral fee, vendor-assisted", {"engagement": ASSISTED}, Kind.ONE_TIME_FEE, "3.5", "3", {}),
    ("Advisor referral, flat", {"business_model": BusinessModel.ADVISOR}, Kind.ONE_TIME_FEE,
     None, None, {"amount": Decimal("750"), "floor_amount": Decimal("500")}),
    ("Resale margin, partner-led", {"engagement": LED}, Kind.RESALE_MARGIN, "25", "20", {}),
    ("Resale margin, vendor-assisted", {"engagement": ASSISTED}, Kind.RESALE_MARGIN, "12", "10",
     {}),
    ("Distributor margin", {"business_model": BusinessModel.DISTRIBUTOR}, Kind.RESALE_MARGIN,
     "8", "6", {}),
    ("Residual, partner-led", {"engagement": LED}, Kind.RESIDUAL_COMMISSION, "15", "12",
     {"periods": 8}),
    ("Residual, vendor-assisted", {"engagement": ASSISTED}, Kind.RESIDUAL_COMMISSION, "6", "5",
     {"periods": 4}),
]  # fmt: skip


def seed(*, stdout) -> None:
    ops = User.objects.filter(email="ops@demo.example").first()
    today = timezone.localdate()
    rates = _seed_rates(today)
    plan = _seed_plan(ops, today)
    _seed_spiff(today)
    calculated = _calculate(ops, today)
    stdout.write(
        f"Commissions: {rates} new exchange rates, plan “{plan}”, {calculated} quarters "
        f"calculated, {CommissionLine.objects.count()} lines."
    )


def _seed_rates(today: dt.date) -> int:
    first, revised = dt.date(today.year - 2, 1, 1), today - dt.timedelta(days=182)
    created = 0
    for currency, (old, new) in RATES.items():
        for day, value in ((first, old), (revised, new)):
            _, made = ExchangeRate.objects.get_or_create(
                currency=currency, effective_on=day, defaults={"rate": Decimal(value)}
            )
            created += made
    return created


def _seed_plan(ops: User, today: dt.date) -> CommissionPlan:
    existing = CommissionPlan.objects.filter(name="Partner program").first()
    if existing is not None:
        return existing
    plan = plans.create_plan(
        actor=ops, name="Partner program", effective_from=dt.date(today.year - 2, 1, 1),
        description="Rewards self-sufficiency: partner-led deals earn more than assisted ones.",
    )  # fmt: skip
    for name, selectors, kind, rate, floor, extra in RULES:
        fields = dict(selectors, **extra)
        if rate is not None:
            fields.update(rate=Decimal(rate), floor_rate=Decimal(floor))
        plans.save_rule(actor=ops, plan=plan, name=name, kind=kind, **fields)
    return plan


def _seed_spiff(today: dt.date) -> None:
    quarter = period_of(today)
    Spiff.objects.get_or_create(
        name=f"Most big wins {quarter.label}",
        defaults={"starts_on": quarter.start, "ends_on": quarter.end,
                  "threshold_amount": Decimal("25000"), "extra_rate": Decimal("5"),
                  "tie_policy": Spiff.TiePolicy.SHARE},
    )  # fmt: skip


def _calculate(ops: User, today: dt.date) -> int:
    if CommissionLine.objects.exists():
        return 0
    won = DealRegistration.objects.filter(status=DealRegistration.Status.WON)
    span = won.aggregate(first=Min("closed_on"), last=Max("closed_on"))
    if span["first"] is None:
        return 0
    period, last, count = period_of(span["first"]), period_of(max(span["last"], today)), 0
    oldest = period.label
    while period <= last:
        run_commission_calculation(period=period.label, actor=ops)
        period, count = period.next(), count + 1
    # The oldest quarter is settled, so the portal shows a paid statement and a payout; so is
    # the first statement of the demo partner whose users sign in, so they see one too.
    settled = Statement.objects.filter(period=oldest)
    demo_partner = (
        Statement.objects.filter(partner__memberships__user__email=DEMO_PARTNER_USER)
        .order_by("period")
        .values_list("pk", flat=True)[:1]
    )
    for statement in (settled | Statement.objects.filter(pk__in=demo_partner)).order_by("pk"):
        approve_statement(statement=statement, actor=ops, today=today)
        payable = statement_totals(statement).payable
        if payable > 0:
            record_payout(statement=statement, actor=ops, amount=payable, paid_on=today,
                          external_reference=f"DEMO-{statement.pk:05d}")  # fmt: skip
    _reverse_one_line(ops)
    return count


def _reverse_one_line(ops: User) -> None:
    """One unpaid line of the demo partner is reversed, so its users see why a line is not
    paid (and ops see the reversal in the line's history)."""
    line = (
        CommissionLine.objects.filter(
            partner__memberships__user__email=DEMO_PARTNER_USER,
            status__in=[CommissionLine.Status.PENDING, CommissionLine.Status.HELD],
        )
        .order_by("-period", "pk")
        .first()
    )
    if line is not None:
        reverse_line(
            actor=ops,
            line=line,
            reason="Duplicate of another registration for the same customer, paid there.",
        )
