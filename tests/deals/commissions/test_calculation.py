"""The calculation: each payout kind, precedence, multipliers, plan versions, rounding."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from deals.commissions import plans
from deals.commissions.exceptions import CommissionError, InvalidPeriod
from deals.commissions.services import run_commission_calculation
from deals.models import CommissionLine, CommissionPlanVersion, CommissionRule
from partners.models import BusinessModel, CompensationPreference
from tests.factories import PartnerFactory

from .conftest import IN_Q3, IN_Q4, Q3, Q4, calculate, pay_everything, won_deal

Kind = CommissionRule.Kind


def lines(**filters):
    return list(CommissionLine.objects.filter(**filters).order_by("period", "deal_id", "id"))


def test_resale_margin_pays_the_rate_on_the_closed_amount_once(acme, margin_rule, ops):
    deal = won_deal(acme, amount="12345.67")
    run_commission_calculation(period=Q3, actor=ops)
    run_commission_calculation(period=Q4, actor=ops)
    (line,) = lines()
    assert (line.deal, line.period, line.kind, line.rule) == (deal, Q3, "margin", margin_rule)
    assert line.amount == Decimal("1234.57") and line.plan_version == margin_rule.version


def test_a_referral_fee_is_flat_in_its_own_currency_or_a_percentage(plan, ops, tiers):
    flat_partner = PartnerFactory(
        business_model=BusinessModel.REFERRAL,
        tier=tiers[0],
        compensation_preference=CompensationPreference.ONE_TIME_FEE,
    )
    pct_partner = PartnerFactory(
        business_model=BusinessModel.ADVISOR,
        tier=tiers[0],
        compensation_preference=CompensationPreference.ONE_TIME_FEE,
    )
    flat = plans.save_rule(
        actor=ops,
        plan=plan,
        name="Referral flat",
        kind=Kind.ONE_TIME_FEE,
        business_model=BusinessModel.REFERRAL,
        amount=Decimal("500"),
        currency="USD",
    )
    pct = plans.save_rule(
        actor=ops, plan=plan, name="Referral pct", kind=Kind.ONE_TIME_FEE, rate=Decimal("4")
    )
    won_deal(flat_partner, amount="90000", currency="EUR")
    won_deal(pct_partner, amount="1000")
    run_commission_calculation(period=Q3, actor=ops)
    by_partner = {line.partner_id: line for line in lines()}
    assert (by_partner[flat_partner.pk].rule, by_partner[flat_partner.pk].amount) == (flat, 500)
    assert by_partner[flat_partner.pk].currency == "USD"
    assert (by_partner[pct_partner.pk].rule, by_partner[pct_partner.pk].amount) == (pct, 40)


def test_a_residual_commission_pays_each_quarter_for_n_periods(plan, ops, tiers):
    msp = PartnerFactory(
        business_model=BusinessModel.MSP,
        tier=tiers[0],
        compensation_preference=CompensationPreference.RESIDUAL_COMMISSION,
    )
    plans.save_rule(
        actor=ops,
        plan=plan,
        name="Residual",
        kind=Kind.RESIDUAL_COMMISSION,
        rate=Decimal("10"),
        periods=2,
    )
    won_deal(msp, amount="40000")  # annual recurring revenue: 10,000 a quarter
    for period in (Q3, Q4, "FY2027-Q1"):
        calculate(period, ops)
    assert [(line.period, line.kind, line.amount) for line in lines()] == [
        (Q3, "residual", Decimal("1000")),
        (Q4, "residual", Decimal("1000")),
    ]


def test_the_most_specific_rule_wins_and_the_line_records_it(acme, plan, ops, tiers):
    plans.save_rule(actor=ops, plan=plan, name="Any", kind=Kind.RESALE_MARGIN, rate=Decimal(5))
    plans.save_rule(
        actor=ops,
        plan=plan,
        name="Resellers",
        kind=Kind.RESALE_MARGIN,
        business_model=BusinessModel.RESELLER,
        rate=Decimal(7),
    )
    best = plans.save_rule(
        actor=ops,
        plan=plan,
        name="Resellers, sourced, Security",
        kind=Kind.RESALE_MARGIN,
        business_model=BusinessModel.RESELLER,
        sourcing="sourced",
        product_line="Security",
        rate=Decimal(9),
    )
    # A rule of another kind never pays a partner who chose resale margin.
    plans.save_rule(
        actor=ops,
        plan=plan,
        name="Fee",
        kind=Kind.ONE_TIME_FEE,
        rate=Decimal(50),
        business_model=BusinessModel.RESELLER,
        sourcing="sourced",
        product_line="Security",
        engagement="partner_led",
    )
    security = won_deal(acme, amount="1000", product_lines=["Security"])
    other = won_deal(acme, amount="1000", product_lines=["Platform"])
    run_commission_calculation(period=Q3, actor=ops)
    assert CommissionLine.objects.get(deal=security).rule == best
    assert CommissionLine.objects.get(deal=other).rule.name == "Resellers"


def test_equal_specificity_is_decided_by_priority_then_age(acme, plan, ops):
    older = plans.save_rule(
        actor=ops,
        plan=plan,
        name="A",
        kind=Kind.RESALE_MARGIN,
        rate=Decimal(5),
        engagement="partner_led",
    )
    plans.save_rule(
        actor=ops, plan=plan, name="B", kind=Kind.RESALE_MARGIN, rate=Decimal(6), sourcing="sourced"
    )
    deal = won_deal(acme, amount="100")
    run_commission_calculation(period=Q3, actor=ops)
    assert CommissionLine.objects.get(deal=deal).rule == older
    urgent = plans.save_rule(
        actor=ops,
        plan=plan,
        name="C",
        kind=Kind.RESALE_MARGIN,
        rate=Decimal(8),
        sourcing="sourced",
        priority=5,
    )
    run_commission_calculation(period=Q3, actor=ops)  # pending lines follow the plan
    assert CommissionLine.objects.get(deal=deal).rule == urgent


def test_self_sufficiency_pays_partner_led_deals_more(plan, ops, tiers):
    referral = PartnerFactory(
        business_model=BusinessModel.REFERRAL,
        tier=tiers[0],
        compensation_preference=CompensationPreference.ONE_TIME_FEE,
    )
    plans.save_rule(
        actor=ops,
        plan=plan,
        name="Led",
        kind=Kind.ONE_TIME_FEE,
        rate=Decimal(20),
        engagement="partner_led",
        floor_rate=Decimal(15),
    )
    plans.save_rule(
        actor=ops,
        plan=plan,
        name="Assisted",
        kind=Kind.ONE_TIME_FEE,
        rate=Decimal("3.5"),
        engagement="vendor_assisted",
    )
    led = won_deal(referral, amount="10000", engagement="partner_led")
    assisted = won_deal(referral, amount="10000", engagement="vendor_assisted")
    run_commission_calculation(period=Q3, actor=ops)
    assert CommissionLine.objects.get(deal=led).amount == 2000
    assert CommissionLine.objects.get(deal=assisted).amount == 350


def test_the_tier_multiplier_in_force_on_the_close_date_applies(acme, margin_rule, ops, tiers):
    from partners.models import TierHistory

    tiers[0].commission_multiplier = Decimal("1.25")
    tiers[0].save()
    tiers[2].commission_multiplier = Decimal("2")
    tiers[2].save()
    TierHistory.objects.create(
        partner=acme,
        tier=tiers[0],
        effective_from=dt.date(2025, 1, 1),
        effective_to=dt.date(2026, 9, 30),
    )
    TierHistory.objects.create(partner=acme, tier=tiers[2], effective_from=dt.date(2026, 10, 1))
    deal = won_deal(acme, amount="1000")
    run_commission_calculation(period=Q3, actor=ops)
    line = CommissionLine.objects.get(deal=deal)
    assert (line.multiplier, line.amount) == (Decimal("1.25"), Decimal("125"))


def test_amounts_are_rounded_to_the_deals_currency(acme, plan, ops):
    from .conftest import rate

    plans.save_rule(actor=ops, plan=plan, name="M", kind=Kind.RESALE_MARGIN, rate=Decimal("3.33"))
    rate("JPY", "0.0067")
    jpy = won_deal(acme, amount="123457", currency="JPY")
    usd = won_deal(acme, amount="100.15")
    run_commission_calculation(period=Q3, actor=ops)
    assert CommissionLine.objects.get(deal=jpy).amount == Decimal("4111")  # 4111.1181
    assert CommissionLine.objects.get(deal=usd).amount == Decimal("3.33")  # 3.334995


def test_editing_a_plan_with_paid_lines_creates_a_version_used_from_its_date(
    acme, plan, margin_rule, ops
):
    before = won_deal(acme, amount="1000", closed_on=IN_Q3)
    run_commission_calculation(period=Q3, actor=ops)
    pay_everything(Q3, ops)
    new_rule = plans.save_rule(
        actor=ops,
        plan=plan,
        rule=margin_rule,
        rate=Decimal(12),
        effective_from=dt.date(2026, 11, 1),
        notes="Q4 uplift",
    )
    assert new_rule.pk != margin_rule.pk and new_rule.version.number == 2
    margin_rule.refresh_from_db()
    assert margin_rule.rate == 10
    assert CommissionPlanVersion.objects.get(plan=plan, number=1).effective_to == dt.date(
        2026, 10, 31
    )
    old_terms = won_deal(acme, amount="1000", closed_on=dt.date(2026, 10, 15))
    new_terms = won_deal(acme, amount="1000", closed_on=IN_Q4)
    run_commission_calculation(period=Q4, actor=ops)
    got = {line.deal_id: (line.rule_id, line.amount) for line in lines(period=Q4)}
    assert got == {old_terms.pk: (margin_rule.pk, 100), new_terms.pk: (new_rule.pk, 120)}
    assert not CommissionLine.objects.filter(period=Q4, deal=before).exists()


def test_a_new_version_cannot_start_before_the_paid_one(acme, plan, margin_rule, ops):
    won_deal(acme)
    run_commission_calculation(period=Q3, actor=ops)
    pay_everything(Q3, ops)
    with pytest.raises(CommissionError, match="must start after"):
        plans.save_rule(
            actor=ops,
            plan=plan,
            rule=margin_rule,
            rate=Decimal(11),
            effective_from=dt.date(2025, 1, 1),
        )


def test_a_rule_below_its_own_floor_is_refused(plan, ops):
    with pytest.raises(CommissionError, match="floor"):
        plans.save_rule(
            actor=ops,
            plan=plan,
            name="Low",
            kind=Kind.RESALE_MARGIN,
            rate=Decimal(3),
            floor_rate=Decimal(5),
        )


def test_an_earlier_period_cannot_be_recalculated_after_a_later_one(acme, margin_rule, ops):
    won_deal(acme, closed_on=IN_Q4)
    run_commission_calculation(period=Q4, actor=ops)
    with pytest.raises(InvalidPeriod, match="FY2026-Q4 is already calculated"):
        run_commission_calculation(period=Q3, actor=ops)


def test_a_quarter_that_has_not_begun_is_refused_before_any_run_is_recorded(acme, margin_rule, ops):
    from deals.commissions.services import start_commission_run
    from deals.models import CommissionRun

    won_deal(acme, closed_on=IN_Q4)
    with time_machine.travel(dt.datetime(2026, 12, 5, 9, tzinfo=dt.UTC), tick=False):
        for start in (run_commission_calculation, start_commission_run):
            with pytest.raises(
                InvalidPeriod, match="FY2027-Q1 has not begun.*today is in FY2026-Q4"
            ):
                start(period="FY2027-Q1", actor=ops)
        assert not CommissionRun.objects.exists() and not lines()
        # The quarter in progress is calculated: partners see what they are earning.
        assert run_commission_calculation(period=Q4, actor=ops).status == "done"
        # A refused earlier quarter leaves no failed run behind either.
        with pytest.raises(InvalidPeriod, match="FY2026-Q4 is already calculated"):
            start_commission_run(period=Q3, actor=ops)
    assert list(CommissionRun.objects.values_list("period", flat=True)) == [Q4]


def test_a_year_is_not_a_commission_period(ops, db):
    with pytest.raises(InvalidPeriod):
        run_commission_calculation(period="FY2026", actor=ops)


def test_new_terms_pay_deals_closed_from_the_day_they_change_and_leave_paid_ones_alone(
    acme, plan, margin_rule, ops
):
    """A reseller on resale margin moves to a one-time fee on 1 October: its August deal, paid
    on margin, is not clawed back; its November deal earns the fee."""
    from partners.profile import update_partner_profile

    fee = plans.save_rule(
        actor=ops, plan=plan, name="Referral fee", kind=Kind.ONE_TIME_FEE, rate=Decimal("4")
    )
    august = won_deal(acme, amount="10000", closed_on=IN_Q3)
    run_commission_calculation(period=Q3, actor=ops)
    pay_everything(Q3, ops)
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC), tick=False):
        update_partner_profile(
            partner=acme,
            actor=ops,
            changes={"compensation_preference": CompensationPreference.ONE_TIME_FEE},
        )
    november = won_deal(acme, amount="20000", closed_on=IN_Q4)
    run_commission_calculation(period=Q3, actor=ops)  # a re-run of the paid quarter
    run_commission_calculation(period=Q4, actor=ops)

    assert [(line.deal, line.period, line.kind, line.amount) for line in lines()] == [
        (august, Q3, "margin", Decimal("1000.00")),
        (november, Q4, "one_time", Decimal("800.00")),
    ]
    assert lines(deal=november)[0].rule == fee
