"""Tier metrics measured from registrations, registered with ``partners.tier_progress``.

Revenue is summed in the program currency only: the program has no exchange rates yet, and
adding amounts across currencies would be wrong, so deals closed in other currencies do not
count toward the revenue criterion until rates exist.
"""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from prm.money import default_currency

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
    """Closed amount of partner-sourced won deals over the last 12 months."""
    total = (
        _won_in_window(partner, as_of)
        .filter(sourcing=DealRegistration.Sourcing.SOURCED, currency=default_currency())
        .aggregate(total=Sum("closed_amount"))["total"]
    )
    return total or Decimal(0)


def won_deals(partner, *, as_of: dt.date | None = None) -> Decimal:
    """Number of won registered deals over the last 12 months."""
    return Decimal(_won_in_window(partner, as_of).aggregate(n=Count("pk"))["n"])


def register() -> None:
    from partners.models import TierRequirement
    from partners.tier_progress import register_metric

    register_metric(TierRequirement.Metric.SOURCED_REVENUE, sourced_revenue)
    register_metric(TierRequirement.Metric.WON_DEALS, won_deals)
