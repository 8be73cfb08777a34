"""Tier metrics measured from registrations, registered with ``partners.tier_progress``.

Revenue counts won deals in every currency, each converted to the program currency at the rate
in force on its close date (``prm.currency.conversion``). A missing rate raises
``MissingExchangeRate`` naming the currency and day rather than leaving a deal out.
"""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from prm.currency.conversion import sum_converted, sums_converted
from prm.exceptions import DomainError
from prm.id_sets import id_set
from prm.money import quantize

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


# --- Set-based: many partners, one grouped query each --------------------------------------


def _won_in_window_many(partner_ids: list[int], as_of: dt.date | None):
    end = as_of or timezone.localdate()
    return DealRegistration.objects.filter(
        partner_id__in=id_set(partner_ids),
        status=DealRegistration.Status.WON,
        closed_on__gt=end - dt.timedelta(days=WINDOW_DAYS),
        closed_on__lte=end,
    ).order_by()


def sourced_revenue_many(
    partners: Sequence, *, as_of: dt.date | None = None
) -> dict[int, Decimal | DomainError]:
    """``sourced_revenue`` of each partner, converted and rounded as ``sum_converted`` does,
    for all of them at once (``sums_converted``). A partner whose deals need a missing rate
    maps to the ``MissingExchangeRate`` it would raise."""
    ids = [p.pk for p in partners]
    won = _won_in_window_many(ids, as_of).filter(
        sourcing=DealRegistration.Sourcing.SOURCED, closed_amount__isnull=False
    )
    sums = sums_converted(
        won, by="partner_id", amount="closed_amount", currency="currency", on="closed_on"
    )
    zero = quantize(0)
    return {pk: sums.get(pk, zero) for pk in ids}


def won_deals_many(partners: Sequence, *, as_of: dt.date | None = None) -> dict[int, Decimal]:
    ids = [p.pk for p in partners]
    counts = dict(_won_in_window_many(ids, as_of).values_list("partner_id").annotate(n=Count("pk")))
    return {pk: Decimal(counts.get(pk, 0)) for pk in ids}


def register() -> None:
    from partners.models import TierRequirement
    from partners.tier_progress import register_metric

    register_metric(
        TierRequirement.Metric.SOURCED_REVENUE, sourced_revenue, many=sourced_revenue_many
    )
    register_metric(TierRequirement.Metric.WON_DEALS, won_deals, many=won_deals_many)
