"""Set-based reads of MDF for partner scorecards: one grouped query per measure for a list of
partners and a period, answering ``{partner id: ...}``."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count

from .models import Claim, FundRequest, MdfPayment

# A payment recorded within this many days of the claim's approval is on time.
PAYMENT_DAYS = 30


def partners_with_requests(ids: Iterable[int], *, until: dt.date) -> set[int]:
    """The partners that had submitted an MDF request by ``until``."""
    return set(
        FundRequest.objects.filter(partner_id__in=list(ids), submitted_at__date__lte=until)
        .order_by()
        .values_list("partner_id", flat=True)
        .distinct()
    )


def approved_claims_many(ids: Iterable[int], *, start: dt.date, end: dt.date) -> dict[int, int]:
    """Activities whose claim was approved in [start, end], per partner."""
    claims = Claim.objects.filter(
        request__partner_id__in=list(ids),
        status=Claim.Status.APPROVED,
        decided_at__date__range=(start, end),
    ).order_by()
    return dict(claims.values_list("request__partner_id").annotate(n=Count("pk")))


def payments_on_time_many(
    ids: Iterable[int], *, start: dt.date, end: dt.date
) -> dict[int, dict[str, int]]:
    """The vendor's side: MDF payments made in [start, end] and how many of them within
    ``PAYMENT_DAYS`` of the claim's approval ({"done": on time, "total": paid})."""
    rows = (
        MdfPayment.objects.filter(partner_id__in=list(ids), paid_on__range=(start, end))
        .order_by()
        .values_list("partner_id", "paid_on", "request__claim__decided_at")
    )
    result: dict[int, dict[str, int]] = defaultdict(lambda: {"done": 0, "total": 0})
    for pk, paid_on, approved_at in rows:
        result[pk]["total"] += 1
        if approved_at is None or (paid_on - approved_at.date()).days <= PAYMENT_DAYS:
            result[pk]["done"] += 1
    return dict(result)
