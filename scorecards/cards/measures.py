"""Measuring the scorecard criteria and the vendor's obligations for a set of partners at once.

Every measure is a handful of grouped queries over the whole set (through the owning app's
set-based reads and the tier metrics' ``measure_many``), never a query per partner per
criterion. A value of None means "no data": the criterion is shown as missing.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from deals import scorecard_metrics as deal_metrics
from enablement import scorecard_metrics as plan_metrics
from mdf import scorecard_metrics as mdf_metrics
from partners.models import Partner, TierRequirement
from partners.tier_progress import measure_many
from prm.periods import FiscalPeriod

from .criteria import Criterion

Metric = TierRequirement.Metric


@dataclass
class Measured:
    """What the data says about one partner for one quarter."""

    values: dict[str, Decimal | None] = field(default_factory=dict)
    obligations: dict = field(default_factory=dict)


def _tier_metric(metric: str, partners: Sequence[Partner], as_of: dt.date) -> dict[int, Decimal]:
    """A count measured by the tier metrics; a partner it cannot measure is left out."""
    found = measure_many(metric, partners, as_of=as_of) or {}
    return {pk: v for pk, v in found.items() if isinstance(v, Decimal)}


def _win_rate(won: int, lost: int) -> Decimal | None:
    if not won + lost:
        return None
    return (Decimal(100) * won / (won + lost)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def measure_partners(
    partners: Sequence[Partner], quarter: FiscalPeriod, *, today: dt.date | None = None
) -> dict[int, Measured]:
    """Every computed criterion and obligation of ``partners`` for ``quarter``."""
    ids = [p.pk for p in partners]
    start, end = quarter.start, quarter.end
    # Obligations due so far: an open quarter's future check-ins are not missed yet.
    due_until = min(end, today or timezone.localdate())
    with_deals = deal_metrics.partners_with_registrations(ids, until=end)
    bookings = deal_metrics.bookings_many(ids, start=start, end=end)
    flow = deal_metrics.deal_flow_many(ids, start=start, end=end)
    leads = deal_metrics.lead_response_many(ids, start=start, end=end)
    sla = deal_metrics.decisions_within_sla_many(ids, start=start, end=end)
    with_mdf = mdf_metrics.partners_with_requests(ids, until=end)
    claims = mdf_metrics.approved_claims_many(ids, start=start, end=end)
    payments = mdf_metrics.payments_on_time_many(ids, start=start, end=end)
    checkins = plan_metrics.checkins_held_many(ids, start=start, end=due_until)
    sales = _tier_metric(Metric.CERTIFIED_SALES, partners, end)
    technical = _tier_metric(Metric.CERTIFIED_TECHNICAL, partners, end)
    developers = _tier_metric(Metric.CERTIFIED_DEVELOPERS, partners, end)
    references = _tier_metric(Metric.REFERENCE_IMPLEMENTATIONS, partners, end)

    result: dict[int, Measured] = {}
    for pk in ids:
        has_deals = pk in with_deals
        money = bookings.get(pk, {"sourced": Decimal(0), "influenced": Decimal(0)})
        deals = flow.get(
            pk, {"registered": 0, "won": 0, "lost": 0, "countries": 0, "industries": 0}
        )
        tech = (technical[pk] + developers[pk]) if pk in technical and pk in developers else None
        values: dict[str, Decimal | None] = {
            Criterion.SOURCED_BOOKINGS: money["sourced"] if has_deals else None,
            Criterion.INFLUENCED_BUSINESS: money["influenced"] if has_deals else None,
            Criterion.REGISTERED_DEAL_FLOW: Decimal(deals["registered"]) if has_deals else None,
            Criterion.PIPELINE_HEALTH: _win_rate(deals["won"], deals["lost"]),
            Criterion.SALES_EXPERTISE: sales.get(pk),
            Criterion.TECHNICAL_EXPERTISE: tech,
            Criterion.JOINT_MARKETING: Decimal(claims.get(pk, 0)) if pk in with_mdf else None,
            Criterion.GEOGRAPHIC_COVERAGE: Decimal(deals["countries"]) if has_deals else None,
            Criterion.INDUSTRY_COVERAGE: Decimal(deals["industries"]) if has_deals else None,
            Criterion.QUALITY_OF_DELIVERY: references.get(pk),
            Criterion.COMMUNICATION: leads.get(pk, {}).get("median_hours"),
        }
        obligations = {
            "checkins": checkins.get(pk, {"done": 0, "total": 0}),
            "mdf_payments": payments.get(pk, {"done": 0, "total": 0}),
            "deal_decisions": sla.get(pk, {"done": 0, "total": 0}),
            "leads_passed": leads.get(pk, {}).get("passed", 0),
        }
        result[pk] = Measured(values=values, obligations=obligations)
    return result
