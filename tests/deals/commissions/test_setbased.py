"""The set-based calculation (PostgreSQL) gives exactly the lines of the Python calculation.

Every scenario is played twice in the same database, rolled back in between: once with the
SQL statement, once with the Python calculation alone; the lines must be identical, field by
field. The SQL rounding is checked against ``prm.money.quantize`` on ties in currencies with
0, 2 and 3 decimals.
"""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from deals.commissions import calculation, plans, setbased
from deals.commissions.overrides import set_override
from deals.commissions.services import reverse_line, run_commission_calculation
from deals.models import CommissionLine, CommissionRule, DealRegistration, Spiff
from partners.models import BusinessModel, CompensationPreference, PartnerTerms, TierHistory
from prm.money import quantize
from tests.factories import PartnerFactory

from .conftest import IN_Q3, IN_Q4, Q3, Q4, calculate, pay_everything, won_deal

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based statement runs on PostgreSQL"
)
Kind = CommissionRule.Kind
Q1_27 = "FY2027-Q1"


class Spy:
    """Records the deals (by customer name) the Python calculation handled."""

    def __init__(self, monkeypatch):
        self.names: set[str] = set()
        original = calculation.PeriodCalculation.calculate_in_python

        def spy(calc, ids):
            deals = DealRegistration.objects.filter(pk__in=ids)
            self.names.update(deals.values_list("customer_name", flat=True))
            return original(calc, ids)

        monkeypatch.setattr(calculation.PeriodCalculation, "calculate_in_python", spy)


def snapshot() -> list[tuple]:
    """Every line by natural keys (ids differ between two plays: sequences do not roll back)."""
    rows = CommissionLine.objects.values_list(
        "deal__customer_name", "partner__display_name", "period", "rule__name", "kind",
        "spiff__name", "plan_version__number", "currency", "base_amount", "rate", "multiplier",
        "amount", "reason", "status", "hold_until",
    )  # fmt: skip
    return sorted(rows, key=repr)


def play(scenario, *, set_based: bool, monkeypatch) -> tuple[list[tuple], set[str]]:
    """Lines of ``scenario`` and the deals that went through Python, then rolled back."""
    with monkeypatch.context() as patch:
        spy = Spy(patch)
        if not set_based:
            patch.setattr(setbased, "available", lambda: False)
        with transaction.atomic():
            scenario()
            lines = snapshot()
            transaction.set_rollback(True)
    return lines, spy.names


def both_engines(scenario, monkeypatch) -> tuple[list[tuple], set[str]]:
    """The lines (identical with both engines) and the deals the set-based play left to Python."""
    in_sql, handled = play(scenario, set_based=True, monkeypatch=monkeypatch)
    in_python, _ = play(scenario, set_based=False, monkeypatch=monkeypatch)
    assert in_sql and in_sql == in_python
    return in_sql, handled


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("0.125", "USD"), ("0.135", "USD"), ("2.5", "JPY"), ("3.5", "JPY"), ("0.5", "JPY"),
        ("-2.5", "JPY"), ("-0.125", "USD"), ("1.0005", "BHD"), ("1.0015", "KWD"),
        ("0.0025", "BHD"), ("1234567.994999", "EUR"), ("99.995", "GBP"), ("7", "JPY"),
        ("0.0104999", "OMR"), ("12.345", "usd"), ("12.5", "XYZ"),
    ],
)  # fmt: skip
def test_sql_rounding_agrees_with_quantize_on_ties(db, amount, currency):
    expression = setbased.round_sql("%s::numeric", "%s::text")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression}", [amount, currency])
        (rounded,) = cursor.fetchone()
    assert rounded == quantize(Decimal(amount), currency)


def test_minor_units_of_every_currency_are_in_the_statement():
    assert "WHEN 'JPY' THEN 0" in setbased.minor_unit_sql("c")
    assert "WHEN 'BHD' THEN 3" in setbased.minor_unit_sql("c")


@pytest.fixture
def one_percent(plan, ops):
    return plans.save_rule(actor=ops, plan=plan, name="1 %", kind=Kind.RESALE_MARGIN, rate=1)


def test_engine_amounts_round_half_up_in_each_currencys_minor_unit(
    acme, one_percent, ops, monkeypatch
):
    def scenario():
        for amount, currency in (("250", "JPY"), ("12.50", "USD"), ("0.25", "BHD"),
                                 ("1.05", "KWD"), ("350", "JPY")):  # fmt: skip
            won_deal(acme, amount=amount, currency=currency, customer_name=f"{currency} {amount}")
        run_commission_calculation(period=Q3, actor=ops)

    lines, handled = both_engines(scenario, monkeypatch)
    got = {line[0]: line[11] for line in lines}
    assert got == {
        "JPY 250": Decimal("3"),  # 2.5: half up, not to even
        "USD 12.50": Decimal("0.13"),  # 0.125
        "BHD 0.25": Decimal("0.003"),  # 0.0025
        "KWD 1.05": Decimal("0.011"),  # 0.0105
        "JPY 350": Decimal("4"),  # 3.5
    }
    assert handled == set()  # set-based play: no deal went through Python


def test_a_plain_year_is_calculated_without_python_and_a_rerun_changes_nothing(
    acme, globex, plan, ops, cam, tiers, monkeypatch
):
    """Residual commissions over several quarters, deals closed on the first and last day of a
    quarter, a tier multiplier and an override: all in SQL, and a re-run changes nothing."""
    tiers[2].commission_multiplier = Decimal("1.5")
    tiers[2].save()
    globex.compensation_preference = CompensationPreference.RESIDUAL_COMMISSION
    globex.save()
    margin = plans.save_rule(actor=ops, plan=plan, name="Margin", kind=Kind.RESALE_MARGIN, rate=10)
    plans.save_rule(
        actor=ops, plan=plan, name="Residual", kind=Kind.RESIDUAL_COMMISSION, rate=8, periods=3
    )
    spy = Spy(monkeypatch)
    residual = {
        name: won_deal(globex, amount="40000.10", customer_name=name, closed_on=day)
        for name, day in (("first day", dt.date(2026, 7, 1)), ("mid", IN_Q3),
                          ("last day", dt.date(2026, 9, 30)))
    }  # fmt: skip
    won_deal(acme, amount="1000.05", customer_name="Margin Q3", closed_on=dt.date(2026, 9, 30))
    discounted = won_deal(acme, amount="999", closed_on=dt.date(2026, 10, 1), customer_name="Q4")
    set_override(actor=cam, deal=discounted, rule=margin, rate=Decimal("12.5"), reason="Deal")
    for period in (Q3, Q4, Q1_27, "FY2027-Q2"):
        calculate(period, ops)
    again = calculate("FY2027-Q2", ops)
    assert spy.names == set() and (again.lines_created, again.lines_updated) == (0, 0)
    for deal in residual.values():  # 40000.10 / 4 x 8 % x 1.5 (Gold), three quarters
        lines = CommissionLine.objects.filter(deal=deal).order_by("period")
        assert [(line.period, line.amount) for line in lines] == [
            (Q3, Decimal("1200.00")), (Q4, Decimal("1200.00")), (Q1_27, Decimal("1200.00")),
        ]  # fmt: skip
    margins = CommissionLine.objects.filter(partner=acme).order_by("period")
    assert [(line.period, line.amount) for line in margins] == [
        (Q3, Decimal("100.01")),
        (Q4, Decimal("124.88")),  # 999 x 12.5 %: 124.875
    ]


def test_both_engines_give_identical_lines_for_precedence_tiers_overrides_and_fees(
    acme, globex, distri, plan, ops, cam, tiers, monkeypatch
):
    def scenario():
        tiers[0].commission_multiplier = Decimal("1.125")
        tiers[0].save()
        tiers[2].commission_multiplier = Decimal("1.3")
        tiers[2].save()
        referral = PartnerFactory(
            display_name="Referrer", business_model=BusinessModel.REFERRAL, tier=tiers[2],
            compensation_preference=CompensationPreference.ONE_TIME_FEE,
        )  # fmt: skip
        globex.compensation_preference = CompensationPreference.RESIDUAL_COMMISSION
        globex.save()
        TierHistory.objects.create(
            partner=acme, tier=tiers[2], effective_from=dt.date(2026, 8, 1),
            effective_to=dt.date(2026, 8, 31),
        )  # fmt: skip
        TierHistory.objects.create(partner=acme, tier=None, effective_from=dt.date(2026, 11, 1))
        rule = {}
        for name, kind, extra in (
            ("Any margin", Kind.RESALE_MARGIN, {"rate": Decimal("5")}),
            ("Resellers", Kind.RESALE_MARGIN,
             {"rate": Decimal("7.25"), "business_model": BusinessModel.RESELLER}),
            ("Security", Kind.RESALE_MARGIN,
             {"rate": Decimal("9.5"), "product_line": "Security", "floor_rate": Decimal(9),
              "business_model": BusinessModel.RESELLER}),
            ("Gold sourced", Kind.RESALE_MARGIN,
             {"rate": Decimal("11"), "tier": tiers[2], "sourcing": "sourced"}),
            ("Urgent led", Kind.RESALE_MARGIN,
             {"rate": Decimal("6"), "engagement": "partner_led", "priority": 3}),
            ("Plain led", Kind.RESALE_MARGIN, {"rate": Decimal("6.5"), "sourcing": "influenced"}),
            ("Flat", Kind.ONE_TIME_FEE,
             {"amount": Decimal("333.33"), "currency": "EUR", "engagement": "vendor_assisted"}),
            ("Pct fee", Kind.ONE_TIME_FEE, {"rate": Decimal("3.5")}),
            ("Residual", Kind.RESIDUAL_COMMISSION, {"rate": Decimal("7.5"), "periods": 2}),
        ):  # fmt: skip
            rule[name] = plans.save_rule(actor=ops, plan=plan, name=name, kind=kind, **extra)
        deals = [
            won_deal(acme, amount="1000.01", customer_name="A1", product_lines=["Security"],
                     closed_on=dt.date(2026, 7, 20)),
            won_deal(acme, amount="2000.02", customer_name="A2", closed_products=["Security"],
                     closed_on=dt.date(2026, 8, 15), sourcing="sourced"),
            won_deal(acme, amount="3000.03", customer_name="A3", engagement="partner_led",
                     sourcing="influenced"),
            won_deal(acme, amount="123457", currency="JPY", customer_name="A4"),
            won_deal(acme, amount="4000.04", customer_name="A5", closed_on=IN_Q4),
            won_deal(referral, amount="5000.05", customer_name="R1",
                     engagement="vendor_assisted"),
            won_deal(referral, amount="6000.06", customer_name="R2", engagement="partner_led"),
            won_deal(globex, amount="7777.77", customer_name="G1", currency="EUR"),
            won_deal(globex, amount="8888.88", customer_name="G2", closed_on=IN_Q4),
            won_deal(distri, amount="9999.99", customer_name="D1"),
            won_deal(acme, amount="10", customer_name="Not yet", closed_on=dt.date(2027, 1, 5)),
        ]  # fmt: skip
        set_override(actor=cam, deal=deals[0], rule=rule["Security"], rate=Decimal("9.25"),
                     reason="Displacement")  # fmt: skip
        set_override(actor=cam, deal=deals[2], rule=rule["Any margin"], rate=Decimal("1"),
                     reason="Other rule: ignored")  # fmt: skip
        set_override(actor=ops, deal=deals[5], rule=rule["Flat"], amount=Decimal("100"),
                     reason="Below the floor, approved by ops")  # fmt: skip
        for period in (Q3, Q4, Q1_27):
            calculate(period, ops)

    lines, handled = both_engines(scenario, monkeypatch)
    assert handled == set()
    by_deal = {(line[0], line[2]): (line[3], line[11]) for line in lines}
    assert by_deal[("A1", Q3)] == ("Security", Decimal("104.06"))  # 9.25 % override x 1.125
    # A product sold matches too; equal specificity and priority: the older rule wins.
    assert by_deal[("A2", Q3)] == ("Security", Decimal("247.00"))  # Gold in August: x 1.3
    assert by_deal[("A4", Q3)] == ("Gold sourced", Decimal("17654"))  # JPY, 17654.351
    assert by_deal[("A3", Q3)] == ("Urgent led", Decimal("234.00"))  # priority; override ignored
    assert by_deal[("R1", Q3)] == ("Flat", Decimal("130.00"))  # EUR 100 override x 1.3
    assert by_deal[("A5", Q4)] == ("Urgent led", Decimal("240.00"))  # no tier from November
    assert ("G1", Q1_27) not in by_deal and ("G2", Q1_27) in by_deal  # two residual periods
    assert not [line for line in lines if line[0] == "Not yet" and line[2] != Q1_27]


def test_both_engines_pay_each_deal_on_the_terms_it_closed_under(
    acme, globex, plan, ops, monkeypatch
):
    """Acme was a referral partner on one-time fees until 1 August, then a reseller on margin
    until 1 November (two changes of terms); Globex never changed."""

    def scenario():
        PartnerTerms.objects.create(
            partner=acme, business_model=BusinessModel.REFERRAL,
            compensation_preference=CompensationPreference.ONE_TIME_FEE,
            effective_to=dt.date(2026, 8, 1),
        )  # fmt: skip
        PartnerTerms.objects.create(
            partner=acme, business_model=BusinessModel.RESELLER,
            compensation_preference=CompensationPreference.RESALE_MARGIN,
            effective_to=dt.date(2026, 11, 1),
        )  # fmt: skip
        acme.business_model = BusinessModel.MSP
        acme.compensation_preference = CompensationPreference.RESIDUAL_COMMISSION
        acme.save()
        for name, kind, extra in (
            ("Referral fee", Kind.ONE_TIME_FEE,
             {"rate": Decimal("4"), "business_model": BusinessModel.REFERRAL}),
            ("Reseller margin", Kind.RESALE_MARGIN,
             {"rate": Decimal("10"), "business_model": BusinessModel.RESELLER}),
            ("MSP residual", Kind.RESIDUAL_COMMISSION,
             {"rate": Decimal("8"), "periods": 2, "business_model": BusinessModel.MSP}),
            ("Any margin", Kind.RESALE_MARGIN, {"rate": Decimal("5")}),
        ):  # fmt: skip
            plans.save_rule(actor=ops, plan=plan, name=name, kind=kind, **extra)
        won_deal(acme, amount="1000", customer_name="July", closed_on=dt.date(2026, 7, 31))
        won_deal(acme, amount="1000", customer_name="August", closed_on=dt.date(2026, 8, 1))
        won_deal(acme, amount="1000", customer_name="October", closed_on=dt.date(2026, 10, 31))
        won_deal(acme, amount="1000", customer_name="November", closed_on=dt.date(2026, 11, 1))
        won_deal(globex, amount="1000", customer_name="Globex", closed_on=dt.date(2026, 8, 1))
        for period in (Q3, Q4):
            run_commission_calculation(period=period, actor=ops)

    lines, handled = both_engines(scenario, monkeypatch)
    assert handled == set()
    by_deal = {(line[0], line[2]): (line[3], line[11]) for line in lines}
    assert by_deal == {
        ("July", Q3): ("Referral fee", Decimal("40.00")),
        ("August", Q3): ("Reseller margin", Decimal("100.00")),
        ("October", Q4): ("Reseller margin", Decimal("100.00")),
        ("November", Q4): ("MSP residual", Decimal("20.00")),  # 8 % of a quarter's 25 %
        ("Globex", Q3): ("Any margin", Decimal("50.00")),
    }


def test_both_engines_give_identical_corrections(acme, globex, plan, ops, monkeypatch):
    """Refunds, re-pricing, lost, moved and reassigned deals, a reversed line, an override
    under a pending line, a spiff: only the deals concerned go through Python."""

    def scenario():
        globex.compensation_preference = CompensationPreference.RESALE_MARGIN
        globex.save()
        margin = plans.save_rule(
            actor=ops, plan=plan, name="Margin", kind=Kind.RESALE_MARGIN, rate=Decimal(10)
        )
        Spiff.objects.create(name="Push", starts_on=IN_Q4, ends_on=IN_Q4, extra_rate=Decimal(2))
        deals = {
            name: won_deal(partner, amount=f"{1000 + n}.45", customer_name=name)
            for n, (name, partner) in enumerate(
                [("steady", globex), ("refunded", acme), ("lost", globex), ("moved", globex),
                 ("repriced", acme), ("late", globex), ("acme steady", acme)]
            )
        }  # fmt: skip
        run_commission_calculation(period=Q3, actor=ops)
        pay_everything(Q3, ops)
        DealRegistration.objects.filter(pk=deals["refunded"].pk).update(closed_amount=500)
        DealRegistration.objects.filter(pk=deals["lost"].pk).update(status="lost")
        DealRegistration.objects.filter(pk=deals["moved"].pk).update(partner=acme)
        DealRegistration.objects.filter(pk=deals["late"].pk).update(closed_on=IN_Q4)
        new = won_deal(acme, amount="2500", closed_on=IN_Q4, customer_name="new")
        won_deal(globex, amount="2600", closed_on=IN_Q4, customer_name="reversed")
        run_commission_calculation(period=Q4, actor=ops)
        reverse_line(
            actor=ops, reason="Duplicate",
            line=CommissionLine.objects.get(deal__customer_name="reversed", kind="margin"),
        )  # fmt: skip
        DealRegistration.objects.filter(pk=deals["repriced"].pk).update(closed_amount=2000)
        run_commission_calculation(period=Q4, actor=ops)
        # An override re-prices a deal under its pending line.
        set_override(actor=ops, deal=new, rule=margin, rate=Decimal(15), reason="Strategic")
        run_commission_calculation(period=Q4, actor=ops)
        run_commission_calculation(period=Q4, actor=ops)

    lines, handled = both_engines(scenario, monkeypatch)
    kinds = {(line[0], line[2], line[4]) for line in lines}
    assert {("refunded", Q4, "clawback"), ("lost", Q4, "clawback"), ("moved", Q4, "clawback"),
            ("moved", Q4, "adjustment"), ("repriced", Q4, "adjustment"), ("late", Q4, "spiff"),
            ("late", Q4, "clawback"), ("late", Q4, "margin")} <= kinds  # fmt: skip
    assert {"refunded", "lost", "moved", "late", "repriced", "new"} <= handled
    assert "steady" not in handled and "reversed" not in handled
    assert not [line for line in lines if line[0] == "steady" and line[2] == Q4]
    assert [line[11] for line in lines if line[0] == "new"] == [Decimal("375.000")]


@pytest.mark.django_db(transaction=True)
def test_chunks_calculated_in_parallel_give_the_lines_of_chunks_calculated_in_turn(
    acme, globex, plan, ops, settings, monkeypatch
):
    """Outside a transaction (a worker on PostgreSQL) a run calculates its chunks two at a
    time, each on a connection of its own; regular lines and corrections are the same."""
    settings.PRM_JOB_CONNECTIONS = 2
    threads: list[str] = []
    original = calculation.PeriodCalculation.calculate_chunk

    def recorded(calc, ids):
        threads.append(threading.current_thread().name)
        return original(calc, ids)

    monkeypatch.setattr(calculation.PeriodCalculation, "calculate_chunk", recorded)

    def scenario():
        plans.save_rule(actor=ops, plan=plan, name="Margin", kind=Kind.RESALE_MARGIN, rate=10)
        plans.save_rule(
            actor=ops, plan=plan, name="Residual", kind=Kind.RESIDUAL_COMMISSION, rate=8, periods=3
        )
        globex.compensation_preference = CompensationPreference.RESIDUAL_COMMISSION
        globex.save()
        deals = [
            won_deal(acme if n % 3 else globex, amount=f"{1000 + 37 * n}.45", customer_name=f"D{n}")
            for n in range(11)
        ]
        run_commission_calculation(period=Q3, actor=ops, chunk_size=2)
        pay_everything(Q3, ops)
        DealRegistration.objects.filter(pk=deals[1].pk).update(closed_amount=500)
        DealRegistration.objects.filter(pk=deals[3].pk).update(status="lost")
        DealRegistration.objects.filter(pk=deals[4].pk).update(partner=globex)
        won_deal(acme, amount="2500", closed_on=IN_Q4, customer_name="new")
        run_commission_calculation(period=Q4, actor=ops, chunk_size=2)

    with transaction.atomic():  # in a transaction: one chunk after another, then rolled back
        scenario()
        in_turn = snapshot()
        transaction.set_rollback(True)
    assert set(threads) == {threading.current_thread().name}
    threads.clear()

    scenario()

    assert snapshot() == in_turn
    assert {"margin", "residual", "clawback", "adjustment"} <= {line[4] for line in in_turn}
    assert threading.current_thread().name not in threads and len(set(threads)) == 2
