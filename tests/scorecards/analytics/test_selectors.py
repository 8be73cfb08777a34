"""Every dashboard figure against the hand-computed program of ``conftest``."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from prm.periods import parse_period
from scorecards.analytics import charts, headline, selectors
from scorecards.analytics.filters import Filters
from tests.deals.factories import DealFactory

from .conftest import FY, won

pytestmark = pytest.mark.django_db


def figures(user, **filters) -> dict[str, str]:
    analytics = selectors.dashboard(user, Filters(period=filters.pop("period", FY), **filters))
    return {kpi.key: kpi.display for kpi in headline.kpis(analytics)}


def test_bookings_pipeline_and_deal_figures_for_the_whole_program(ops, program):
    shown = figures(ops)
    assert shown["sourced_bookings"] == "USD 34,000.00"
    assert shown["influenced_bookings"] == "USD 5,500.00"
    assert shown["sourced_pipeline"] == "USD 42,000.00"
    assert shown["influenced_pipeline"] == "USD 9,500.00"
    assert shown["registrations"] == "5"
    assert (shown["won"], shown["lost"], shown["win_rate"]) == ("3", "2", "60.0 %")
    assert shown["average_deal"] == "USD 13,166.67"
    assert shown["cycle"] == "33.3 days"


def test_contribution_margin_subtracts_discounts_cost_commissions_and_mdf(ops, program):
    shown = figures(ops)
    assert shown["revenue"] == "USD 39,500.00"
    assert shown["discounts"] == "USD 3,400.00"
    assert shown["cost"] == "USD 2,000.00"
    assert shown["commissions"] == "USD 2,700.00", "EUR at the quarter-end rate; reversed out"
    assert shown["mdf_cost"] == "USD 2,000.00"
    assert shown["contribution_margin"] == "USD 29,400.00"


def test_mdf_return_per_dollar(ops, program):
    shown = figures(ops)
    assert shown["mdf_pipeline"] == "USD 30,000.00"
    assert shown["mdf_bookings"] == "USD 5,500.00"
    assert shown["mdf_return"] == "2.75"
    assert shown["mdf_pipeline_return"] == "15.00"


def test_registration_and_lead_sla(ops, program):
    shown = figures(ops)
    assert (shown["deal_sla"], shown["deal_sla_answered"]) == ("50.0 %", "2")
    assert (shown["lead_sla"], shown["leads_offered"], shown["leads_recalled"]) == (
        "33.3 %",
        "3",
        "1",
    )


def test_certification_cohorts_compare_certified_and_uncertified_partners(ops, program):
    analytics = selectors.dashboard(ops, Filters(period=FY))
    cohorts = {c.label: c for c in analytics.cohorts}
    none, few = cohorts["No certified people"], cohorts["1–2 certified"]
    assert (few.partners, few.won, few.lost, few.bookings.amount) == (1, 2, 1, Decimal("15500.00"))
    assert few.win_rate == Decimal("66.7")
    assert (none.partners, none.won, none.lost) == (2, 1, 1), "Distri and Globex"
    assert none.bookings_per_partner.amount == Decimal("12000.00")
    assert cohorts["6 or more certified"].partners == 0


def test_a_quarter_covers_only_its_own_deals(ops, program):
    shown = figures(ops, period=parse_period("FY2025-Q3"))
    assert shown["sourced_bookings"] == "USD 24,000.00"
    assert shown["influenced_bookings"] == "USD 0.00"
    assert shown["commissions"] == "USD 1,200.00"


def test_trends_show_each_quarter_up_to_the_period(ops, program):
    analytics = selectors.dashboard(ops, Filters(period=FY))
    chart = next(c for c in charts.trend_charts(analytics) if c.key == "bookings")
    assert chart.labels == [
        "FY2024-Q3", "FY2024-Q4", "FY2025-Q1", "FY2025-Q2", "FY2025-Q3", "FY2025-Q4",
    ]  # fmt: skip
    rows = {row[0]: row[1:] for row in chart.rows}
    assert rows["FY2024-Q4"] == ["3,000", "0"]
    assert rows["FY2025-Q1"] == ["10,000", "0"]
    assert rows["FY2025-Q2"] == ["0", "5,500"]
    assert rows["FY2025-Q3"] == ["24,000", "0"]


def test_filters_narrow_the_partners(ops, program, tiers, globex):
    gold = figures(ops, tier=tiers[2])
    assert gold["sourced_bookings"] == "USD 24,000.00"
    assert gold["influenced_bookings"] == "USD 0.00"
    assert figures(ops, business_model="msp")["sourced_bookings"] == "USD 24,000.00"
    assert figures(ops, region="EMEA")["sourced_bookings"] == "USD 24,000.00"
    assert figures(ops, region="NA")["sourced_bookings"] == "USD 10,000.00"
    assert figures(ops, cam=globex.channel_manager)["won"] == "1"


def test_a_channel_manager_sees_only_their_partners_figures(cam, other_cam, program):
    mine = figures(cam)
    assert mine["sourced_bookings"] == "USD 10,000.00"
    assert mine["influenced_bookings"] == "USD 5,500.00"
    assert mine["commissions"] == "USD 1,500.00"
    theirs = figures(other_cam)
    assert theirs["sourced_bookings"] == "USD 24,000.00"
    assert theirs["mdf_cost"] == "USD 0.00"


def test_partner_users_get_no_program_figures(acme_admin, program):
    with pytest.raises(PermissionDenied):
        selectors.dashboard(acme_admin, Filters(period=FY))


def test_a_missing_rate_is_named_and_amounts_are_never_mixed(ops, program, acme):
    won(acme, amount="700", currency="GBP", closed_on="2025-06-01", submitted="2025-05-01",
        estimated="700")  # fmt: skip
    analytics = selectors.dashboard(ops, Filters(period=FY))
    assert analytics.missing_rates == [
        "No exchange rate from GBP to USD on or before 2025-06-01.",  # the bookings
        "No exchange rate from GBP to USD on or before 2025-05-01.",  # the pipeline
    ]
    shown = {kpi.key: kpi for kpi in headline.kpis(analytics)}
    assert shown["sourced_bookings"].display == "—"
    assert "GBP" in shown["sourced_bookings"].missing
    assert shown["contribution_margin"].display == "—"
    assert shown["mdf_cost"].display == "USD 2,000.00", "figures without GBP still show"
    assert shown["won"].display == "4"


def test_the_dashboard_runs_a_fixed_number_of_queries(
    ops, program, acme, django_assert_max_num_queries
):
    for day in range(5):
        DealFactory(
            partner=acme,
            status="won",
            closed_amount=Decimal(100),
            closed_on=dt.date(2025, 10, 1 + day),
        )
    with django_assert_max_num_queries(20):
        selectors.dashboard(ops, Filters(period=FY))
