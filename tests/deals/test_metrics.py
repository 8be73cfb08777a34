"""Revenue and won-deal tier metrics, measured over the trailing twelve months."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.metrics import sourced_revenue, won_deals
from deals.models import DealRegistration
from partners.models import TierRequirement
from partners.tier_progress import provider_for
from prm.currency.conversion import MissingExchangeRate
from prm.currency.models import ExchangeRate


def won(partner, user, *, amount, closed_on, sourcing="sourced", currency="USD"):
    return DealRegistration.objects.create(
        partner=partner, registered_by=user, customer_name=f"Customer {amount}", country="US",
        estimated_amount=amount, currency=currency, expected_close_date=closed_on,
        status=DealRegistration.Status.WON, closed_amount=Decimal(amount), closed_on=closed_on,
        sourcing=sourcing,
    )  # fmt: skip


@pytest.fixture
def today():
    return timezone.localdate()


def test_sourced_revenue_counts_sourced_wins_in_the_last_twelve_months(
    acme, acme_rep, globex, globex_admin, today
):
    won(acme, acme_rep, amount="1000.50", closed_on=today)
    won(acme, acme_rep, amount="2000.25", closed_on=today - dt.timedelta(days=364))
    won(acme, acme_rep, amount="4000", closed_on=today - dt.timedelta(days=365))  # too old
    won(acme, acme_rep, amount="8000", closed_on=today, sourcing="influenced")
    won(globex, globex_admin, amount="32000", closed_on=today)  # another partner
    assert sourced_revenue(acme) == Decimal("3000.75")
    assert won_deals(acme) == 3


def test_sourced_revenue_counts_won_deals_in_every_currency_at_the_close_date_rate(
    acme, acme_rep, today
):
    ExchangeRate.objects.create(
        currency="EUR",
        rate=Decimal("1.10"),
        effective_on=today.replace(day=1) - dt.timedelta(days=400),
    )
    ExchangeRate.objects.create(
        currency="EUR", rate=Decimal("1.20"), effective_on=today - dt.timedelta(days=10)
    )
    ExchangeRate.objects.create(
        currency="JPY", rate=Decimal("0.0067"), effective_on=today - dt.timedelta(days=500)
    )
    won(acme, acme_rep, amount="1000", closed_on=today)  # USD
    won(acme, acme_rep, amount="1000", closed_on=today, currency="EUR")  # at 1.20
    won(
        acme, acme_rep, amount="1000", closed_on=today - dt.timedelta(days=30), currency="EUR"
    )  # 1.10
    won(acme, acme_rep, amount="100000", closed_on=today, currency="JPY")  # 670
    assert sourced_revenue(acme) == Decimal("3970.00")


def test_sourced_revenue_names_the_missing_rate_instead_of_skipping_the_deal(acme, acme_rep, today):
    won(acme, acme_rep, amount="1000", closed_on=today - dt.timedelta(days=3), currency="EUR")
    with pytest.raises(MissingExchangeRate) as error:
        sourced_revenue(acme)
    assert error.value.currency == "EUR" and error.value.on == today - dt.timedelta(days=3)
    assert (
        "EUR" in error.value.message
        and (today - dt.timedelta(days=3)).isoformat() in error.value.message
    )


def test_as_of_moves_the_window(acme, acme_rep, today):
    won(acme, acme_rep, amount="500", closed_on=today - dt.timedelta(days=400))
    assert sourced_revenue(acme) == 0
    assert sourced_revenue(acme, as_of=today - dt.timedelta(days=100)) == Decimal("500")


def test_open_and_lost_deals_do_not_count(acme, acme_rep, today):
    deal = won(acme, acme_rep, amount="700", closed_on=today)
    DealRegistration.objects.filter(pk=deal.pk).update(status=DealRegistration.Status.LOST)
    assert won_deals(acme) == 0 and sourced_revenue(acme) == 0


def test_the_deals_app_registers_its_metrics():
    assert provider_for(TierRequirement.Metric.SOURCED_REVENUE) is sourced_revenue
    assert provider_for(TierRequirement.Metric.WON_DEALS) is won_deals


def test_a_revenue_requirement_needing_a_missing_rate_shows_as_not_measured_with_the_reason(
    acme, acme_rep, today, tiers
):
    from partners.tier_progress import evaluate_requirement

    requirement = TierRequirement.objects.create(
        tier=tiers[1], metric=TierRequirement.Metric.SOURCED_REVENUE, threshold=1000
    )
    won(acme, acme_rep, amount="5000", closed_on=today, currency="EUR")
    standing = evaluate_requirement(acme, requirement)
    assert not standing.measured and not standing.met
    assert "EUR" in standing.missing[0] and today.isoformat() in standing.missing[0]
