"""Set-based reads of joint business plans for partner scorecards."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q

from .models import JointBusinessPlan, PlanCheckIn


def checkins_held_many(
    ids: Iterable[int], *, start: dt.date, end: dt.date
) -> dict[int, dict[str, int]]:
    """Plan check-ins scheduled in [start, end] per partner and how many were held
    ({"done": held, "total": scheduled}), on the plan in force (the approved version): a draft
    of the next version and the superseded ones hold copies of the same meetings."""
    checkins = PlanCheckIn.objects.filter(
        plan__partner_id__in=list(ids),
        plan__status=JointBusinessPlan.Status.APPROVED,
        scheduled_on__range=(start, end),
    ).order_by()
    return {
        pk: {"done": held, "total": total}
        for pk, total, held in checkins.values_list("plan__partner_id").annotate(
            total=Count("pk"), held=Count("pk", filter=Q(held_on__isnull=False))
        )
    }
