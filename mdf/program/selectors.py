"""The program view for ops: utilization, time to decide, time to pay and return per MDF dollar,
by tier, business model or activity type. A fixed number of grouped queries, whatever the
number of partners or requests; a CAM sees the same figures over their own partners.

- utilization: (committed + paid) / credited of the funds (by tier and business model; by
  activity type, what was approved of what was requested);
- time to decide: submission to the final decision on the request, in hours;
- time to pay: claim approval to payment, in days;
- return per MDF dollar: claimed pipeline, and won revenue of the linked deal registrations
  (converted to the program currency), per dollar paid.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Sum

from deals.models import DealRegistration
from partners.models import BusinessModel, Tier
from prm.currency.conversion import sum_converted
from prm.models import User

from ..funds.selectors import scope_q
from ..models import ActivityType, Claim, FundRequest, LedgerEntry, MdfPayment

DIMENSIONS = ("tier", "business_model", "activity_type")
ZERO = Decimal(0)
Kind = LedgerEntry.Kind
Status = FundRequest.Status


@dataclass
class ProgramRow:
    key: str
    label: str
    credited: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    requested: Decimal = ZERO
    approved: Decimal = ZERO
    requests: int = 0
    decide_hours: float | None = None
    pay_days: float | None = None
    pipeline: Decimal = ZERO
    won: Decimal = ZERO

    @property
    def utilization(self) -> Decimal | None:
        if self.credited:
            return ((self.committed + self.paid) * 100 / self.credited).quantize(Decimal("0.1"))
        if self.requested:
            return (self.approved * 100 / self.requested).quantize(Decimal("0.1"))
        return None

    @property
    def pipeline_per_dollar(self) -> Decimal | None:
        return (self.pipeline / self.paid).quantize(Decimal("0.01")) if self.paid else None

    @property
    def won_per_dollar(self) -> Decimal | None:
        return (self.won / self.paid).quantize(Decimal("0.01")) if self.paid else None


def _paths(dimension: str) -> tuple[str, str]:
    """(path from a ledger entry, from a request)."""
    if dimension == "tier":
        return "fund__partner__tier_id", "partner__tier_id"
    if dimension == "business_model":
        return "fund__partner__business_model", "partner__business_model"
    if dimension == "activity_type":
        return "request__activity_type_id", "activity_type_id"
    raise ValueError(f"Unknown dimension {dimension!r}; use one of {', '.join(DIMENSIONS)}.")


def _labels(dimension: str) -> dict:
    if dimension == "tier":
        return dict(Tier.objects.values_list("pk", "name"))
    if dimension == "business_model":
        return {value: str(label) for value, label in BusinessModel.choices}
    return dict(ActivityType.objects.values_list("pk", "name"))


class ProgramRows(list):
    """The program's rows, with its won revenue counting each deal once (``won_total``), which
    the rows' sum would not when claims of two activity types link one deal."""

    def __init__(self, rows=(), *, won_total: Decimal = ZERO):
        super().__init__(rows)
        self.won_total = won_total


def program_figures(user: User, *, dimension: str = "tier") -> ProgramRows:
    """One row per tier, business model or activity type, in a fixed number of queries. The
    program view is the vendor's: partner users get no rows."""
    entry_path, request_path = _paths(dimension)
    if not getattr(user, "is_authenticated", False) or not user.is_internal:
        return ProgramRows()
    labels = _labels(dimension)
    rows: dict = {}

    def row(key) -> ProgramRow:
        if key not in rows:
            rows[key] = ProgramRow(key=str(key), label=str(labels.get(key, key or "—")))
        return rows[key]

    entries = LedgerEntry.objects.filter(scope_q(user, "fund__partner_id")).order_by()
    if dimension != "activity_type":
        for key, kind, total in entries.values_list(entry_path, "kind").annotate(t=Sum("amount")):
            r = row(key)
            if kind in (Kind.ACCRUAL, Kind.ALLOCATION, Kind.CARRY_IN, Kind.ADJUSTMENT):
                r.credited += total
        for key, committed in entries.values_list(entry_path).annotate(c=Sum("committed_delta")):
            row(key).committed += committed
    else:
        reserved = entries.filter(request__isnull=False)
        for key, committed in reserved.values_list(entry_path).annotate(c=Sum("committed_delta")):
            row(key).committed += committed
    requests = FundRequest.objects.filter(scope_q(user)).order_by()
    for key, n, requested, approved in (
        requests.exclude(status=Status.DRAFT)
        .values_list(request_path)
        .annotate(n=Count("pk"), r=Sum("requested_amount"), a=Sum("approved_amount"))
    ):
        r = row(key)
        r.requests, r.requested, r.approved = n, requested or ZERO, approved or ZERO
    decided = requests.filter(decided_at__isnull=False, submitted_at__isnull=False)
    wait = ExpressionWrapper(F("decided_at") - F("submitted_at"), output_field=DurationField())
    for key, average in decided.values_list(request_path).annotate(d=Avg(wait)):
        row(key).decide_hours = round(average.total_seconds() / 3600, 1) if average else None
    payments = MdfPayment.objects.filter(scope_q(user)).order_by()
    pay_path = "request__" + request_path
    for key, paid in payments.values_list(pay_path).annotate(p=Sum("amount")):
        row(key).paid += paid
    delay = ExpressionWrapper(
        F("created_at") - F("request__claim__decided_at"), output_field=DurationField()
    )
    for key, average in payments.values_list(pay_path).annotate(d=Avg(delay)):
        row(key).pay_days = round(average.total_seconds() / 86400, 1) if average else None
    claims = Claim.objects.filter(scope_q(user, "request__partner_id")).order_by()
    for key, pipeline in claims.values_list("request__" + request_path).annotate(p=Sum("pipeline")):
        row(key).pipeline += pipeline or ZERO
    won_total = _add_won_revenue(user, dimension, row)
    return ProgramRows(sorted(rows.values(), key=lambda r: r.label), won_total=won_total)


def _add_won_revenue(user: User, dimension: str, row) -> Decimal:
    """Each row's won revenue: the won deals linked to one of its approved claims, each deal
    once however many claims link it. Returns the program's, each deal once too (a deal two
    activity types' claims link counts in both rows, once in the total)."""
    claim_key = {
        "tier": "request__partner__tier_id",
        "business_model": "request__partner__business_model",
        "activity_type": "request__activity_type_id",
    }[dimension]
    approved = Claim.objects.filter(
        scope_q(user, "request__partner_id"), status=Claim.Status.APPROVED
    ).order_by()
    won = DealRegistration.objects.filter(
        status=DealRegistration.Status.WON, closed_amount__isnull=False
    )

    def revenue(claims) -> Decimal:
        linked = won.filter(pk__in=claims.values("registrations"))
        return sum_converted(linked, amount="closed_amount", on="closed_on")

    keys = set(approved.filter(registrations__isnull=False).values_list(claim_key, flat=True))
    for key in keys:
        row(key).won += revenue(approved.filter(**{claim_key: key}))
    return revenue(approved)


def program_totals(rows: ProgramRows) -> ProgramRow:
    total = ProgramRow(key="total", label="Total")
    for r in rows:
        for name in ("credited", "committed", "paid", "requested", "approved", "pipeline"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        total.requests += r.requests
    total.won = rows.won_total
    return total


CSV_HEADER = [
    "group", "credited", "committed", "paid", "utilization_percent", "requests", "requested",
    "approved", "hours_to_decide", "days_to_pay", "pipeline", "won_revenue",
    "pipeline_per_dollar", "won_per_dollar",
]  # fmt: skip


def csv_values(r: ProgramRow) -> list:
    """One row's figures in the order of CSV_HEADER."""
    return [r.label, r.credited, r.committed, r.paid, r.utilization, r.requests, r.requested,
            r.approved, r.decide_hours, r.pay_days, r.pipeline, r.won, r.pipeline_per_dollar,
            r.won_per_dollar]  # fmt: skip


def counts_by_status(user: User) -> dict[str, int]:
    rows = FundRequest.objects.filter(scope_q(user)).order_by().values_list("status")
    counts: dict[str, int] = defaultdict(int)
    for status, n in rows.annotate(n=Count("pk")):
        counts[status] = n
    return dict(counts)
