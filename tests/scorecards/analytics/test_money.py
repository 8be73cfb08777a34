"""A figure over several quarters is the sum of its quarters as the chart and export show them."""

from decimal import Decimal

from prm.periods import parse_period
from scorecards.analytics.money import Converted


def test_a_years_figure_adds_its_rounded_quarters_to_the_cent(settings):
    settings.PRM_DEFAULT_CURRENCY = "USD"
    q1, q2 = parse_period("FY2026-Q1"), parse_period("FY2026-Q2")
    converted = Converted()
    converted.totals[(q1, "amount")] = Decimal("100.004")
    converted.totals[(q2, "amount")] = Decimal("200.004")
    quarters = [converted.figure([q], ["amount"]).amount for q in (q1, q2)]
    assert quarters == [Decimal("100.00"), Decimal("200.00")]
    # Rounded once over the exact sum it would read 300.01: a cent off the table beside it.
    assert converted.figure([q1, q2], ["amount"]).amount == Decimal("300.00") == sum(quarters)
