"""Reads of exchange rates. Rates are program data, the same for every viewer."""

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery

from .models import ExchangeRate


def exchange_rates(*, currency: str | None = None) -> QuerySet[ExchangeRate]:
    rates = ExchangeRate.objects.select_related("entered_by")
    if currency:
        rates = rates.filter(currency=currency.upper())
    return rates.order_by("currency", "-effective_on")


def current_rates(*, on: dt.date) -> QuerySet[ExchangeRate]:
    """The rate in force on ``on`` for each currency that has one."""
    latest = (
        ExchangeRate.objects.filter(currency=OuterRef("currency"), effective_on__lte=on)
        .order_by("-effective_on")
        .values("pk")[:1]
    )
    return ExchangeRate.objects.filter(pk=Subquery(latest)).order_by("currency")
