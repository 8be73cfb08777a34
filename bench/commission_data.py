"""Adds to the scale data set what the commission benchmark needs: about 200,000 deals won in
FY2026 in several currencies (loaded with COPY), monthly exchange rates, partners' compensation
preferences by business model, tier multipliers and a benchmark plan. Reused when present."""

import datetime as dt
import random
import time
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from deals.commissions import plans
from deals.models import CommissionPlan, CommissionRule, DealRegistration
from partners.models import BusinessModel, Partner, PartnerMembership, Tier
from prm.currency.models import ExchangeRate
from prm.models import User

from .dataset import _copy, log

WON_DEALS = 200_000
YEAR = 2026
PERIODS = [f"FY{YEAR}-Q{q}" for q in (1, 2, 3, 4)]
PREFIX = "bench-won-"
PLAN = "Benchmark plan"
CURRENCIES = {"USD": 50, "EUR": 25, "GBP": 10, "JPY": 10, "CAD": 5}
BASE_RATES = {"EUR": Decimal("1.10"), "GBP": Decimal("1.28"), "JPY": Decimal("0.0067"),
              "CAD": Decimal("0.73")}  # fmt: skip
# kind, engagement, rate, residual periods
RULES = [
    (CommissionRule.Kind.RESALE_MARGIN, "partner_led", "25", 1),
    (CommissionRule.Kind.RESALE_MARGIN, "vendor_assisted", "12", 1),
    (CommissionRule.Kind.ONE_TIME_FEE, "partner_led", "20", 1),
    (CommissionRule.Kind.ONE_TIME_FEE, "vendor_assisted", "3.5", 1),
    (CommissionRule.Kind.RESIDUAL_COMMISSION, "partner_led", "15", 4),
    (CommissionRule.Kind.RESIDUAL_COMMISSION, "vendor_assisted", "6", 4),
]
COMPENSATION = {
    BusinessModel.REFERRAL: CommissionRule.Kind.ONE_TIME_FEE,
    BusinessModel.ADVISOR: CommissionRule.Kind.ONE_TIME_FEE,
    BusinessModel.MSP: CommissionRule.Kind.RESIDUAL_COMMISSION,
    BusinessModel.MSSP: CommissionRule.Kind.RESIDUAL_COMMISSION,
}


def won_deal_count() -> int:
    """200,000 on the full data set (10,000 partners); proportionally fewer on ``--small``."""
    return min(WON_DEALS, 20 * Partner.objects.count())


def ensure(stdout, count: int) -> int:
    """Build what is missing; returns the id of the benchmark plan's version."""
    with transaction.atomic():
        _program(stdout)
        if DealRegistration.objects.filter(external_ref__startswith=PREFIX).count() != count:
            DealRegistration.objects.filter(external_ref__startswith=PREFIX).delete()
            _won_deals(count, stdout)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE deals_dealregistration")
        else:
            log(stdout, f"won deals of FY{YEAR} already loaded; reusing them")
        return CommissionPlan.objects.get(name=PLAN).versions.get().pk


def _program(stdout) -> None:
    # Only the rows that differ: rewriting 10,000 partners on every run left as many dead rows
    # for the next benchmark's reads of the partners to step over.
    for rank, multiplier in ((1, "1"), (2, "1.05"), (3, "1.1"), (4, "1.2")):
        Tier.objects.filter(rank=rank).exclude(commission_multiplier=Decimal(multiplier)).update(
            commission_multiplier=Decimal(multiplier)
        )
    preferences = [*COMPENSATION.items(), (None, CommissionRule.Kind.RESALE_MARGIN)]
    for model, kind in preferences:
        partners = (
            Partner.objects.filter(business_model=model)
            if model
            else Partner.objects.exclude(business_model__in=COMPENSATION)
        )
        partners.exclude(compensation_preference=kind).update(compensation_preference=kind)
    for currency, base in BASE_RATES.items():
        for month in range(12):
            day = dt.date(YEAR - 1, 12, 1) if month == 0 else dt.date(YEAR, month, 1)
            drift = Decimal(1) + Decimal(month % 5 - 2) / 100
            ExchangeRate.objects.get_or_create(
                currency=currency, effective_on=day, defaults={"rate": base * drift}
            )
    if CommissionPlan.objects.filter(name=PLAN).exists():
        return
    ops, _ = User.objects.get_or_create(
        email="bench-ops@vendor.example", defaults={"internal_role": "ops"}
    )
    plan = plans.create_plan(actor=ops, name=PLAN, effective_from=dt.date(YEAR - 1, 1, 1))
    for kind, engagement, rate, periods in RULES:
        plans.save_rule(actor=ops, plan=plan, name=f"{kind} {engagement}", kind=kind,
                        engagement=engagement, rate=Decimal(rate), periods=periods)  # fmt: skip
    log(stdout, "benchmark commission plan created")


def _won_deals(count: int, stdout) -> None:
    rng = random.Random(2026)
    pairs = list(PartnerMembership.objects.values_list("user_id", "partner_id"))
    currencies, weights = list(CURRENCIES), list(CURRENCIES.values())
    start, now = dt.date(YEAR, 1, 1), timezone.now()
    started = time.monotonic()

    def rows():
        for i in range(count):
            user_id, partner_id = pairs[rng.randrange(len(pairs))]
            currency = rng.choices(currencies, weights)[0]
            scale = 150 if currency == "JPY" else 1
            amount = Decimal(rng.randrange(100_000, 20_000_000) * scale) / 100
            if currency == "JPY":
                amount = amount.quantize(Decimal(1))
            closed_on = start + dt.timedelta(days=rng.randrange(365))
            yield {
                "partner_id": partner_id, "registered_by_id": user_id,
                "customer_name": f"Won Customer {i}",
                "customer_name_normalized": f"won customer {i}",
                "customer_domain": f"won{i}.example", "country": "US",
                "estimated_amount": amount, "currency": currency, "expected_close_date": closed_on,
                "engagement": rng.choice(["partner_led", "vendor_assisted"]),
                "sourcing": rng.choice(["sourced", "influenced"]),
                "status": DealRegistration.Status.WON, "closed_amount": amount,
                "closed_on": closed_on, "created_at": now, "updated_at": now,
                "first_submitted_at": now, "submitted_at": now, "external_ref": f"{PREFIX}{i}",
            }  # fmt: skip

    _copy(DealRegistration, rows(), stdout, f"won deals of FY{YEAR}")
    log(stdout, f"won deals loaded in {time.monotonic() - started:.0f} s")


def ensure_lines(stdout) -> None:
    """The year's commission lines, as the calculation job writes them (what the commission
    lists and statements page through), when the benchmark plan has none yet."""
    from deals.commissions.services import run_commission_calculation
    from deals.models import CommissionLine

    if CommissionLine.objects.exists():
        log(stdout, f"commission lines of FY{YEAR} already calculated; reusing them")
        return
    started = time.monotonic()
    for period in PERIODS:
        run_commission_calculation(period=period)
    log(stdout, f"commission lines of FY{YEAR} calculated in {time.monotonic() - started:.0f} s")
