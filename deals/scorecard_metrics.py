"""Set-based reads of registrations and leads for partner scorecards: each function measures a
list of partners for one period with a few grouped queries and answers ``{partner id: ...}``
(a scorecard run measures thousands of partners; a query per partner would not do)."""

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from prm.currency.conversion import MissingExchangeRate, RateTable
from prm.money import quantize

from .models import DealRegistration, LeadOffer

Status = DealRegistration.Status
WINDOW_DAYS = 365


def partners_with_registrations(ids: Iterable[int], *, until: dt.date) -> set[int]:
    """The partners that had registered at least one deal by ``until`` (the others have no
    deal data to be measured on)."""
    return set(
        DealRegistration.objects.filter(
            partner_id__in=list(ids), first_submitted_at__date__lte=until
        )
        .order_by()
        .values_list("partner_id", flat=True)
        .distinct()
    )


def bookings_many(
    ids: Iterable[int], *, start: dt.date, end: dt.date
) -> dict[int, dict[str, Decimal | None]]:
    """Won amounts closed in [start, end] per sourcing ("sourced", "influenced"), converted to
    the program currency at each close date's rate. A partner whose deals need a missing rate
    gets None for that sourcing rather than a wrong total."""
    groups = list(
        DealRegistration.objects.filter(
            partner_id__in=list(ids),
            status=Status.WON,
            closed_on__range=(start, end),
            closed_amount__isnull=False,
        )
        .order_by()
        .values_list("partner_id", "sourcing", "currency", "closed_on")
        .annotate(total=Sum("closed_amount"))
        .values_list("partner_id", "sourcing", "currency", "closed_on", "total")
    )
    table = RateTable.load({g[2] for g in groups}, until=end)
    sums: dict[int, dict[str, Decimal | None]] = defaultdict(
        lambda: {"sourced": Decimal(0), "influenced": Decimal(0)}
    )
    for partner_id, sourcing, currency, day, total in sorted(groups, key=lambda g: (g[3], g[2])):
        current = sums[partner_id].get(sourcing)
        if current is None:
            continue
        try:
            sums[partner_id][sourcing] = current + table.convert(total, currency, day)
        except MissingExchangeRate:
            sums[partner_id][sourcing] = None
    return {
        pk: {k: (quantize(v) if v is not None else None) for k, v in values.items()}
        for pk, values in sums.items()
    }


def deal_flow_many(ids: Iterable[int], *, start: dt.date, end: dt.date) -> dict[int, dict]:
    """Per partner: deals first registered in [start, end] ("registered"), deals closed won or
    lost in it ("won", "lost"), and the distinct countries and industries of the deals
    registered in the twelve months up to ``end``."""
    ids = list(ids)
    deals = DealRegistration.objects.filter(partner_id__in=ids).order_by()
    rows: dict[int, dict] = defaultdict(
        lambda: {"registered": 0, "won": 0, "lost": 0, "countries": 0, "industries": 0}
    )
    registered = deals.filter(first_submitted_at__date__range=(start, end))
    for pk, n in registered.values_list("partner_id").annotate(n=Count("pk")):
        rows[pk]["registered"] = n
    closed = deals.filter(closed_on__range=(start, end), status__in=[Status.WON, Status.LOST])
    for pk, won, lost in closed.values_list("partner_id").annotate(
        won=Count("pk", filter=Q(status=Status.WON)), lost=Count("pk", filter=Q(status=Status.LOST))
    ):
        rows[pk]["won"], rows[pk]["lost"] = won, lost
    recent = deals.filter(
        first_submitted_at__date__gt=end - dt.timedelta(days=WINDOW_DAYS),
        first_submitted_at__date__lte=end,
    )
    for pk, countries, industries in recent.values_list("partner_id").annotate(
        c=Count("country", distinct=True),
        i=Count("industry", distinct=True, filter=~Q(industry="")),
    ):
        rows[pk]["countries"], rows[pk]["industries"] = countries, industries
    return dict(rows)


def decisions_within_sla_many(
    ids: Iterable[int], *, start: dt.date, end: dt.date
) -> dict[int, dict[str, int]]:
    """The vendor's side: registrations decided in [start, end] with a due time, and how many
    of them were decided by it ({"done": on time, "total": decided})."""
    decided = DealRegistration.objects.filter(
        partner_id__in=list(ids), decided_at__date__range=(start, end), sla_due_at__isnull=False
    ).order_by()
    return {
        pk: {"done": on_time, "total": total}
        for pk, total, on_time in decided.values_list("partner_id").annotate(
            total=Count("pk"), on_time=Count("pk", filter=Q(decided_at__lte=F("sla_due_at")))
        )
    }


def lead_response_many(ids: Iterable[int], *, start: dt.date, end: dt.date) -> dict[int, dict]:
    """Leads offered to each partner in [start, end] ("passed") and the median hours it took
    to answer the answered or lapsed ones ("median_hours", None when none): a lapsed offer
    counts as its whole acceptance window."""
    offers = (
        LeadOffer.objects.filter(partner_id__in=list(ids), offered_at__date__range=(start, end))
        .order_by()
        .values_list("partner_id", "outcome", "offered_at", "accept_by", "responded_at")
    )
    passed: dict[int, int] = defaultdict(int)
    hours: dict[int, list[float]] = defaultdict(list)
    for pk, outcome, offered_at, accept_by, responded_at in offers:
        passed[pk] += 1
        if outcome == LeadOffer.Outcome.PENDING:
            continue
        answered = responded_at if outcome != LeadOffer.Outcome.RECALLED else None
        hours[pk].append(((answered or accept_by) - offered_at).total_seconds() / 3600)
    return {
        pk: {
            "passed": n,
            "median_hours": (
                Decimal(str(round(statistics.median(hours[pk]), 1))) if hours[pk] else None
            ),
        }
        for pk, n in passed.items()
    }
