"""Tier metrics that enablement measures for many partners at once, keyed by partner id: each
gives, for every partner of the list, what its per-partner measure in ``selectors`` gives
(tests/scorecards/test_metrics_many.py compares them). ``register`` hands both to
``partners.tier_progress`` at start-up; jobs measuring thousands of partners (the quarterly tier
review) use these, single pages the per-partner ones.

The certification counts the review asks for (certified people of each kind, specialties, people
per region) are also measured together, in one query, by ``certification_metrics_many``.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from partners.models import Office, TierRequirement
from partners.tier_progress import MeasuredPartner, MetricValue, register_metric
from prm.exceptions import DomainError
from prm.id_sets import id_set

from . import selectors
from .models import Certification, PersonCertification, ReferenceImplementation
from .selectors import (
    REFERENCE_WINDOW_DAYS,
    headquarters_name,
    held_by_members,
    regions_served_by,
)


def _valid_on_many(ids: list[int], as_of: dt.date | None) -> QuerySet[PersonCertification]:
    day = as_of or timezone.localdate()
    return held_by_members(
        PersonCertification.objects.filter(
            partner_id__in=id_set(ids), earned_on__lte=day, expires_on__gte=day
        )
    ).order_by()


def _certified_people_many(kind: str):
    def measure(partners, *, as_of: dt.date | None = None) -> dict[int, Decimal]:
        ids = [p.pk for p in partners]
        counts = dict(
            _valid_on_many(ids, as_of)
            .filter(certification__kind=kind)
            .values_list("partner_id")
            .annotate(n=Count("user_id", distinct=True))
        )
        return {pk: Decimal(counts.get(pk, 0)) for pk in ids}

    measure.__name__ = f"certified_{kind}_people_many"
    return measure


certified_sales_people_many = _certified_people_many(Certification.Kind.SALES)
certified_technical_people_many = _certified_people_many(Certification.Kind.TECHNICAL)
certified_developers_many = _certified_people_many(Certification.Kind.DEVELOPER)


def certified_people_per_office_many(partners, *, as_of: dt.date | None = None) -> dict[int, dict]:
    ids = [p.pk for p in partners]
    offices: dict[int, list[tuple[int, str]]] = {pk: [] for pk in ids}
    for office_id, partner_id, name in (
        Office.objects.filter(partner_id__in=id_set(ids))
        .order_by("name")
        .values_list("pk", "partner_id", "name")
    ):
        offices[partner_id].append((office_id, name))
    valid = _valid_on_many(ids, as_of)
    per_office = {
        (partner_id, office_id): n
        for partner_id, office_id, n in valid.filter(office__isnull=False)
        .values_list("partner_id", "office_id")
        .annotate(n=Count("user_id", distinct=True))
    }
    without = [pk for pk in ids if not offices[pk]]
    people = (
        dict(
            valid.filter(partner_id__in=id_set(without))
            .values_list("partner_id")
            .annotate(n=Count("user_id", distinct=True))
        )
        if without
        else {}
    )
    headquarters = str(headquarters_name())
    result = {}
    for pk in ids:
        if not offices[pk]:
            counts = {headquarters: Decimal(people.get(pk, 0))}
        else:
            counts = {
                name: Decimal(per_office.get((pk, office_id), 0)) for office_id, name in offices[pk]
            }
        result[pk] = {"scope": "office", "counts": counts}
    return result


def certified_people_per_region_many(partners, *, as_of: dt.date | None = None) -> dict[int, dict]:
    ids = [p.pk for p in partners]
    per_region = {
        (partner_id, region): n
        for partner_id, region, n in _valid_on_many(ids, as_of)
        .values_list("partner_id", "region")
        .annotate(n=Count("user_id", distinct=True))
    }
    result = {}
    for partner in partners:
        regions = regions_served_by(partner)
        result[partner.pk] = {
            "scope": "region",
            "counts": {r: Decimal(per_region.get((partner.pk, r), 0)) for r in regions},
        }
    return result


def specialty_certifications_many(partners, *, as_of: dt.date | None = None) -> dict[int, Decimal]:
    ids = [p.pk for p in partners]
    counts = dict(
        _valid_on_many(ids, as_of)
        .filter(certification__kind=Certification.Kind.SPECIALTY)
        .values_list("partner_id")
        .annotate(n=Count("certification_id", distinct=True))
    )
    return {pk: Decimal(counts.get(pk, 0)) for pk in ids}


def approved_reference_implementations_many(
    partners, *, as_of: dt.date | None = None
) -> dict[int, Decimal]:
    ids = [p.pk for p in partners]
    day = as_of or timezone.localdate()
    since = day - dt.timedelta(days=REFERENCE_WINDOW_DAYS)
    counts = dict(
        ReferenceImplementation.objects.filter(
            partner_id__in=id_set(ids),
            status=ReferenceImplementation.Status.APPROVED,
            completed_on__gt=since,
            completed_on__lte=day,
        )
        .order_by()
        .values_list("partner_id")
        .annotate(n=Count("pk"))
    )
    return {pk: Decimal(counts.get(pk, 0)) for pk in ids}


# --- Certification metrics together: one pass over the valid certifications ------------------
# The review asks for five certification metrics; measured one by one, each reads every valid
# person certification of the program again (about 0.15 s each on 200,000 rows). Here they are
# counts filtered per kind and per region in one query grouped by partner.

Metric = TierRequirement.Metric
_PEOPLE_OF_KIND = {
    Metric.CERTIFIED_SALES: Certification.Kind.SALES,
    Metric.CERTIFIED_TECHNICAL: Certification.Kind.TECHNICAL,
    Metric.CERTIFIED_DEVELOPERS: Certification.Kind.DEVELOPER,
}
TOGETHER = frozenset(
    {*_PEOPLE_OF_KIND, Metric.SPECIALTY_CERTIFICATIONS, Metric.CERTIFIED_PER_REGION}
)


def certification_metrics_many(
    metrics: Iterable[str], partners: Sequence[MeasuredPartner], *, as_of: dt.date | None = None
) -> dict[str, dict[int, MetricValue | DomainError]]:
    """Any of the metrics in ``TOGETHER`` for every partner, keyed by metric then partner id,
    each as its set-based measure above gives it, in one query."""
    asked = set(metrics)
    if unknown := asked - TOGETHER:
        raise ValueError(f"Not measured together: {sorted(unknown)}")
    ids = [p.pk for p in partners]
    per_region = Metric.CERTIFIED_PER_REGION in asked
    served = {p.pk: regions_served_by(p) for p in partners} if per_region else {}
    # Keyed ("metric", name) or ("region", code): a region is counted for the partners serving it.
    columns: dict[tuple[str, str], Count] = {}
    for metric, kind in _PEOPLE_OF_KIND.items():
        if metric in asked:
            who = Count("user_id", distinct=True, filter=Q(certification__kind=kind))
            columns["metric", metric] = who
    if Metric.SPECIALTY_CERTIFICATIONS in asked:
        columns["metric", Metric.SPECIALTY_CERTIFICATIONS] = Count(
            "certification_id",
            distinct=True,
            filter=Q(certification__kind=Certification.Kind.SPECIALTY),
        )
    for region in sorted({region for regions in served.values() for region in regions}):
        columns["region", region] = Count("user_id", distinct=True, filter=Q(region=region))
    names = [f"n{i}" for i in range(len(columns))]
    rows = (
        _valid_on_many(ids, as_of)
        .values_list("partner_id")
        .annotate(**dict(zip(names, columns.values(), strict=True)))
        .values_list("partner_id", *names)
    )
    # Each partner's counts as its row's values, read by column position: no dict per partner.
    counts = {pk: values for pk, *values in rows}
    position = {key: i for i, key in enumerate(columns)}
    nothing = [0] * len(columns)
    result: dict[str, dict[int, MetricValue | DomainError]] = {}
    for name in asked - {Metric.CERTIFIED_PER_REGION}:
        at = position["metric", name]
        result[name] = {pk: Decimal(counts.get(pk, nothing)[at]) for pk in ids}
    if per_region:
        result[Metric.CERTIFIED_PER_REGION] = {
            pk: {
                "scope": "region",
                "counts": {
                    region: Decimal(counts.get(pk, nothing)[position["region", region]])
                    for region in served[pk]
                },
            }
            for pk in ids
        }
    return result


def register() -> None:
    for metric, fn, many in [
        (Metric.CERTIFIED_SALES, selectors.certified_sales_people, certified_sales_people_many),
        (
            Metric.CERTIFIED_TECHNICAL,
            selectors.certified_technical_people,
            certified_technical_people_many,
        ),
        (Metric.CERTIFIED_DEVELOPERS, selectors.certified_developers, certified_developers_many),
        (
            Metric.CERTIFIED_PER_OFFICE,
            selectors.certified_people_per_office,
            certified_people_per_office_many,
        ),
        (
            Metric.CERTIFIED_PER_REGION,
            selectors.certified_people_per_region,
            certified_people_per_region_many,
        ),
        (
            Metric.SPECIALTY_CERTIFICATIONS,
            selectors.specialty_certifications,
            specialty_certifications_many,
        ),
        (
            Metric.REFERENCE_IMPLEMENTATIONS,
            selectors.approved_reference_implementations,
            approved_reference_implementations_many,
        ),
    ]:
        together = certification_metrics_many if metric in TOGETHER else None
        register_metric(metric, fn, many=many, together=together)
