"""The dashboard's aggregate queries. Each is one grouped query over a partner scope (``None``
for the whole program, else a queryset of partner ids); none loops over partners.

Rows come back grouped by day and currency so amounts convert at the rate of their day
(``money.convert_rows``) and fall into fiscal quarters in Python, a few thousand rows at most.
"""

import datetime as dt

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from deals.models import CommissionLine, DealRegistration, LeadOffer
from enablement.models import PersonCertification
from mdf.models import Claim, MdfPayment
from partners.models import Partner
from prm.id_sets import id_set

Status = DealRegistration.Status
Scope = QuerySet | list[int] | None

# Days from first registration to close (SQLite returns microseconds, PostgreSQL an interval).
CYCLE = ExpressionWrapper(
    F("closed_on") - TruncDate("first_submitted_at"), output_field=DurationField()
)
# Partners by people holding a valid certification: does certification pay?
COHORTS: list[tuple[int, int | None, str]] = [
    (0, 0, "No certified people"),
    (1, 2, "1–2 certified"),
    (3, 5, "3–5 certified"),
    (6, None, "6 or more certified"),
]


def scoped(queryset: QuerySet, scope: Scope, field: str = "partner_id") -> QuerySet:
    return queryset if scope is None else queryset.filter(**{f"{field}__in": scope})


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end] as aware datetimes (end exclusive): range filters that use the indexes."""
    zone = timezone.get_current_timezone()
    first = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return first, after


def won_deals(scope: Scope, start: dt.date, end: dt.date) -> list[tuple]:
    """(close day, currency, sourcing, count, amount, discount, cost, cycle total, cycle count)."""
    return list(
        scoped(
            DealRegistration.objects.filter(status=Status.WON, closed_on__range=(start, end)), scope
        )
        .order_by()
        .values_list("closed_on", "currency", "sourcing")
        .annotate(
            n=Count("*"),
            amount=Sum("closed_amount"),
            discount=Sum("discount_amount"),
            cost=Sum("cost_amount"),
            cycle=Sum(CYCLE),
            cycle_n=Count("first_submitted_at"),
        )
        .values_list(
            "closed_on",
            "currency",
            "sourcing",
            "n",
            "amount",
            "discount",
            "cost",
            "cycle",
            "cycle_n",
        )
    )


def lost_deals(scope: Scope, start: dt.date, end: dt.date) -> list[tuple]:
    """(day marked lost, count). A lost registration is final, so its last update is when it
    was marked lost."""
    first, after = day_bounds(start, end)
    return list(
        scoped(
            DealRegistration.objects.filter(
                status=Status.LOST, updated_at__gte=first, updated_at__lt=after
            ),
            scope,
        )
        .order_by()
        .annotate(day=TruncDate("updated_at"))
        .values_list("day")
        .annotate(n=Count("*"))
        .values_list("day", "n")
    )


def new_pipeline(scope: Scope, start: dt.date, end: dt.date) -> list[tuple]:
    """(day first registered, currency, sourcing, count, estimated amount) of registrations
    submitted in the range, whatever became of them since."""
    first, after = day_bounds(start, end)
    return list(
        scoped(
            DealRegistration.objects.filter(
                first_submitted_at__gte=first, first_submitted_at__lt=after
            ),
            scope,
        )
        .order_by()
        .annotate(day=TruncDate("first_submitted_at"))
        .values_list("day", "currency", "sourcing")
        .annotate(n=Count("*"), amount=Sum("estimated_amount"))
        .values_list("day", "currency", "sourcing", "n", "amount")
    )


def commissions(scope: Scope, periods: list[str]) -> list[tuple]:
    """(period label, currency, amount) of commission lines not reversed."""
    return list(
        scoped(CommissionLine.objects.filter(period__in=periods), scope)
        .exclude(status=CommissionLine.Status.REVERSED)
        .order_by()
        .values_list("period", "currency")
        .annotate(amount=Sum("amount"))
        .values_list("period", "currency", "amount")
    )


def mdf_paid(scope: Scope, start: dt.date, end: dt.date) -> list[tuple]:
    """(payment day, currency, amount) of MDF paid to partners."""
    return list(
        scoped(MdfPayment.objects.filter(paid_on__range=(start, end)), scope)
        .order_by()
        .values_list("paid_on", "currency")
        .annotate(amount=Sum("amount"))
        .values_list("paid_on", "currency", "amount")
    )


def mdf_claimed_pipeline(scope: Scope, start: dt.date, end: dt.date) -> list[tuple]:
    """(payment day, currency, pipeline) reported on the claims of MDF paid in the range."""
    return list(
        scoped(
            Claim.objects.filter(request__payment__paid_on__range=(start, end)),
            scope,
            "request__partner_id",
        )
        .order_by()
        .values_list("request__payment__paid_on", "request__currency")
        .annotate(amount=Sum("pipeline"))
        .values_list("request__payment__paid_on", "request__currency", "amount")
    )


def mdf_attributed_bookings(scope: Scope, start: dt.date, end: dt.date) -> list[tuple]:
    """(payment day, currency, close day, amount): won registrations linked to the claims of
    MDF paid in the range."""
    return list(
        scoped(
            DealRegistration.objects.filter(
                status=Status.WON,
                closed_amount__isnull=False,
                mdf_claims__request__payment__paid_on__range=(start, end),
            ),
            scope,
        )
        .order_by()
        .values_list("mdf_claims__request__payment__paid_on", "currency", "closed_on")
        .annotate(amount=Sum("closed_amount"))
        .values_list("mdf_claims__request__payment__paid_on", "currency", "closed_on", "amount")
    )


def deal_sla(scope: Scope, start: dt.date, end: dt.date) -> list[tuple]:
    """(day answered, on time, late): first vendor answers to registrations against the SLA."""
    first, after = day_bounds(start, end)
    return list(
        scoped(
            DealRegistration.objects.filter(
                sla_due_at__isnull=False, sla_responded_at__gte=first, sla_responded_at__lt=after
            ),
            scope,
        )
        .order_by()
        .annotate(day=TruncDate("sla_responded_at"))
        .values_list("day")
        .annotate(
            on_time=Count("pk", filter=Q(sla_responded_at__lte=F("sla_due_at"))),
            late=Count("pk", filter=Q(sla_responded_at__gt=F("sla_due_at"))),
        )
        .values_list("day", "on_time", "late")
    )


def deal_sla_breached_now(scope: Scope) -> int:
    return scoped(
        DealRegistration.objects.filter(status=Status.SUBMITTED, sla_due_at__lt=timezone.now()),
        scope,
    ).count()


def lead_sla(scope: Scope, start: dt.date, end: dt.date) -> list[tuple]:
    """(day offered, answered in time, answered late, accepted, recalled, pending) of leads
    offered to partners."""
    first, after = day_bounds(start, end)
    Outcome = LeadOffer.Outcome
    answered = Q(outcome__in=[Outcome.ACCEPTED, Outcome.REJECTED])
    return list(
        scoped(LeadOffer.objects.filter(offered_at__gte=first, offered_at__lt=after), scope)
        .order_by()
        .annotate(day=TruncDate("offered_at"))
        .values_list("day")
        .annotate(
            in_time=Count("pk", filter=answered & Q(responded_at__lte=F("accept_by"))),
            late=Count("pk", filter=answered & Q(responded_at__gt=F("accept_by"))),
            accepted=Count("pk", filter=Q(outcome=Outcome.ACCEPTED)),
            recalled=Count("pk", filter=Q(outcome=Outcome.RECALLED)),
            pending=Count("pk", filter=Q(outcome=Outcome.PENDING)),
        )
        .values_list("day", "in_time", "late", "accepted", "recalled", "pending")
    )


# --- Does certification pay? ----------------------------------------------------------------


def cohort_of(certified: int) -> int:
    for index, (low, high, _label) in enumerate(COHORTS):
        if certified >= low and (high is None or certified <= high):
            return index
    return 0


def certified_people(scope: Scope, day: dt.date) -> dict[int, int]:
    """Active partners with at least one person holding a valid certification on ``day``:
    partner id → number of such people."""
    valid = PersonCertification.objects.filter(
        earned_on__lte=day, expires_on__gte=day, partner__status=Partner.Status.ACTIVE
    )
    return dict(
        scoped(valid, scope)
        .order_by()
        .values_list("partner_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("partner_id", "n")
    )


def active_partner_count(scope: Scope) -> int:
    return scoped(Partner.objects.filter(status=Partner.Status.ACTIVE), scope, "pk").count()


def _cohort_case(certified: dict[int, int]) -> Case:
    members: dict[int, list[int]] = {}
    for partner_id, n in certified.items():
        members.setdefault(cohort_of(n), []).append(partner_id)
    whens = [
        When(partner_id__in=id_set(ids), then=Value(index))
        for index, ids in sorted(members.items())
        if index
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def cohort_deals(
    scope: Scope, certified: dict[int, int], start: dt.date, end: dt.date
) -> tuple[list[tuple], list[tuple]]:
    """Won (close day, currency, cohort, count, amount) and lost (cohort, count) deals of active
    partners, by certification cohort."""
    case = _cohort_case(certified)
    active = DealRegistration.objects.filter(partner__status=Partner.Status.ACTIVE)
    won = list(
        scoped(active.filter(status=Status.WON, closed_on__range=(start, end)), scope)
        .order_by()
        .annotate(cohort=case)
        .values_list("closed_on", "currency", "cohort")
        .annotate(n=Count("*"), amount=Sum("closed_amount"))
        .values_list("closed_on", "currency", "cohort", "n", "amount")
    )
    first, after = day_bounds(start, end)
    lost = list(
        scoped(
            active.filter(status=Status.LOST, updated_at__gte=first, updated_at__lt=after), scope
        )
        .order_by()
        .annotate(cohort=case)
        .values_list("cohort")
        .annotate(n=Count("*"))
        .values_list("cohort", "n")
    )
    return won, lost
