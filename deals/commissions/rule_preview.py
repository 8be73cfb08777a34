"""Which recent won deals a rule (saved or still on the form) would select, before ops save it.

A rule selects on the partner's business model, tier and compensation preference (the rule's
kind) and on the deal's engagement, sourcing and product lines. The preview uses the partner's
current tier, business model and compensation (the calculation uses those in force on the close
date: tier history and ``PartnerTerms``), over deals won in the last ``days`` days.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

PREVIEW_DAYS = 365
SAMPLE_SIZE = 10


@dataclass
class RulePreview:
    since: dt.date
    count: int = 0
    sample: list = field(default_factory=list)


def _selected(fields: dict, since: dt.date) -> QuerySet:
    from deals.models import DealRegistration

    deals = DealRegistration.objects.filter(
        status=DealRegistration.Status.WON, closed_on__gte=since
    )
    if fields.get("kind"):
        deals = deals.filter(partner__compensation_preference=fields["kind"])
    if fields.get("business_model"):
        deals = deals.filter(partner__business_model=fields["business_model"])
    if fields.get("tier") is not None:
        deals = deals.filter(partner__tier=fields["tier"])
    if fields.get("engagement"):
        deals = deals.filter(engagement=fields["engagement"])
    if fields.get("sourcing"):
        deals = deals.filter(sourcing=fields["sourcing"])
    return deals


def rule_preview(
    fields: dict, *, days: int = PREVIEW_DAYS, today: dt.date | None = None
) -> RulePreview:
    """How many recent won deals ``fields`` (a rule's selectors and kind) select, with the most
    recent few. Product lines live in a JSON list, compared here rather than in SQL so the
    preview answers the same on every database."""
    from deals.models import DealRegistration

    since = (today or timezone.localdate()) - dt.timedelta(days=days)
    deals = _selected(fields, since)
    product_line = (fields.get("product_line") or "").strip()
    if not product_line:
        sample = deals.select_related("partner").order_by("-closed_on", "-id")[:SAMPLE_SIZE]
        return RulePreview(since=since, count=deals.count(), sample=list(sample))
    matching = [
        (closed_on, pk)
        for pk, closed_on, lines in deals.values_list("pk", "closed_on", "product_lines").iterator(
            chunk_size=5000
        )
        if product_line in (lines or ())
    ]
    latest = [pk for _day, pk in sorted(matching, reverse=True)[:SAMPLE_SIZE]]
    sample = DealRegistration.objects.filter(pk__in=latest).select_related("partner")
    return RulePreview(
        since=since,
        count=len(matching),
        sample=sorted(sample, key=lambda d: (d.closed_on, d.pk), reverse=True),
    )
