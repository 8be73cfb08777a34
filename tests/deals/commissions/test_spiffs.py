"""Spiffs: thresholds in the program currency, the winner, and each tie policy."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from deals.commissions.services import run_commission_calculation
from deals.commissions.spiffs import spiff_standing
from deals.models import CommissionLine, CommissionRun, Spiff
from partners.models import CompensationPreference
from prm.currency.conversion import MissingExchangeRate

from .conftest import Q3, rate, won_deal

START, END = dt.date(2026, 7, 1), dt.date(2026, 9, 30)


@pytest.fixture
def both_on_margin(globex):
    globex.compensation_preference = CompensationPreference.RESALE_MARGIN
    globex.save()


def spiff(tie_policy=Spiff.TiePolicy.SHARE, **extra):
    return Spiff.objects.create(
        name="Most big wins",
        starts_on=START,
        ends_on=END,
        threshold_amount=Decimal("25000"),
        extra_rate=Decimal("5"),
        tie_policy=tie_policy,
        **extra,
    )


def test_the_partner_with_most_big_wins_earns_extra_on_all_its_commissions(
    acme, globex, both_on_margin, margin_rule, ops
):
    rate("EUR", "1.10")
    big = [won_deal(acme, amount="30000"), won_deal(acme, amount="23000", currency="EUR")]
    small = won_deal(acme, amount="1000")  # below the threshold, still earns the extra
    won_deal(globex, amount="90000")
    won_deal(globex, amount="24999.99")  # below the threshold
    won_deal(acme, amount="90000", closed_on=dt.date(2026, 10, 1))  # after the spiff
    spiff()
    run_commission_calculation(period=Q3, actor=ops)
    extra = {line.deal_id: line.amount for line in CommissionLine.objects.filter(kind="spiff")}
    assert extra == {big[0].pk: Decimal("150"), big[1].pk: Decimal("115"), small.pk: 5}


def test_a_tie_is_shared_when_the_spiff_says_so(acme, globex, both_on_margin, margin_rule, ops):
    won_deal(acme, amount="30000")
    won_deal(globex, amount="30000")
    spiff(Spiff.TiePolicy.SHARE)
    run_commission_calculation(period=Q3, actor=ops)
    winners = set(CommissionLine.objects.filter(kind="spiff").values_list("partner_id", flat=True))
    assert winners == {acme.pk, globex.pk}


def test_nobody_wins_a_tie_when_the_spiff_says_so(acme, globex, both_on_margin, margin_rule, ops):
    won_deal(acme, amount="30000")
    won_deal(globex, amount="30000")
    standing = spiff_standing(spiff(Spiff.TiePolicy.NOBODY))
    assert standing.winners == [] and standing.tied == sorted([acme.pk, globex.pk])


def test_first_to_reach_the_winning_count_wins_a_tie(acme, globex, both_on_margin, margin_rule):
    won_deal(acme, amount="30000", closed_on=dt.date(2026, 7, 3))
    won_deal(acme, amount="30000", closed_on=dt.date(2026, 9, 1))
    won_deal(globex, amount="30000", closed_on=dt.date(2026, 8, 1))
    won_deal(globex, amount="30000", closed_on=dt.date(2026, 8, 2))
    assert spiff_standing(spiff(Spiff.TiePolicy.FIRST_TO_REACH)).winners == [globex.pk]


def test_a_minimum_count_is_required(acme, margin_rule):
    won_deal(acme, amount="30000")
    assert spiff_standing(spiff(min_deals=2)).winners == []


def test_a_spiff_needing_a_missing_rate_fails_the_run_and_names_the_rate(acme, margin_rule, ops):
    won_deal(acme, amount="30000", currency="GBP", closed_on=dt.date(2026, 8, 10))
    spiff()
    with pytest.raises(MissingExchangeRate):
        run_commission_calculation(period=Q3, actor=ops)
    run = CommissionRun.objects.get()
    assert run.status == "failed" and "GBP" in run.error and "2026-08-10" in run.error


def test_the_lines_page_names_a_spiff_line_as_a_spiff_on_its_base_rule(
    acme, globex, both_on_margin, margin_rule, ops, client_for, acme_admin
):
    won_deal(acme, amount="30000")
    spiff()
    run_commission_calculation(period=Q3, actor=ops)
    line = CommissionLine.objects.get(kind="spiff")
    page = client_for(acme_admin).get(reverse("deals:commission_lines")).content.decode()
    row = page.split(f'data-testid="commission-line-{line.pk}"', 1)[1].split("</tr>", 1)[0]
    assert f"Spiff on {margin_rule.name}" in row and "Most big wins" in row
