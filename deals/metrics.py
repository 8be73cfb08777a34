"""Tier metrics measured from registrations, registered with ``partners.tier_progress``.

Revenue counts won deals in every currency, each converted to the program currency at the rate
in force on its close date (``prm.currency.conversion``). A missing rate raises
``MissingExchangeRate`` naming the currency and day rather than leaving a deal out.
"""

import datetime as dt
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from prm.currency.conversion import sum_converted

from .models import DealRegistration

WINDOW_DAYS = 365


def _won_in_window(partner, as_of: dt.date | None):
    end = as_of or timezone.localdate()
    return DealRegistration.objects.filter(
        partner=partner,
        status=DealRegistration.Status.WON,
        closed_on__gt=end - dt.timedelta(days=WINDOW_DAYS),
        closed_on__lte=end,
    )


def sourced_revenue(partner, *, as_of: dt.date | None = None) -> Decimal:
    """Closed amount of partner-sourced won deals over the last 12 months, in the program
    currency."""
    won = _won_in_window(partner, as_of).filter(
        sourcing=DealRegistration.Sourcing.SOURCED, closed_amount__isnull=False
    )
    return sum_converted(won, amount="closed_amount", currency="currency", on="closed_on")


def won_deals(partner, *, as_of: dt.date | None = None) -> Decimal:
    """Number of won registered deals over the last 12 months."""
    return Decimal(_won_in_window(partner, as_of).aggregate(n=Count("pk"))["n"])


def register() -> None:
    from partners.models import TierRequirement
    from partners.tier_progress import register_metric

    register_metric(TierRequirement.Metric.SOURCED_REVENUE, sourced_revenue)
    register_metric(TierRequirement.Metric.WON_DEALS, won_deals)
