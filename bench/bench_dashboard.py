"""Each query of the program analytics dashboard on the scale data set.

Uses the data the other benchmarks load (1,000,000 registrations, the 200,000 deals won in
FY2026 in five currencies with their exchange rates, 200,000 person certifications, MDF requests
and payments). Times every aggregate query of ``scorecards.analytics.queries`` for FY2026 for
the whole program (program ops without filters) and for one channel account manager's
partners, then the whole dashboard. Prints one ``BENCH`` line per query (target under 1 s);
the registry's result is the slowest query.
"""

import sys
import time

from django.db import connection

from prm.models import User
from prm.periods import parse_period
from scorecards.analytics import queries, selectors
from scorecards.analytics.filters import Filters

from . import commission_data, dataset, mdf_data
from .list_personas import large_book_cam
from .registry import Result

TARGET_S = 1.0
PERIOD = "FY2026"


def _line(name, value, unit, target, met) -> None:
    print(f"BENCH {name} {value} {unit} target {target} {'met' if met else 'missed'}", flush=True)


def _cam_scope():
    """A channel account manager with 500 partners (a large book)."""
    cam = large_book_cam()
    return cam, selectors.partner_scope(cam, Filters(period=parse_period(PERIOD)))


def _queries(scope, period, quarters):
    start, end = quarters[0].start, quarters[-1].end
    labels = [q.label for q in quarters]
    certified = queries.certified_people(scope, period.end)
    return [
        ("won_deals", lambda: queries.won_deals(scope, start, end)),
        ("lost_deals", lambda: queries.lost_deals(scope, start, end)),
        ("new_pipeline", lambda: queries.new_pipeline(scope, start, end)),
        ("commissions", lambda: queries.commissions(scope, labels)),
        ("mdf_paid", lambda: queries.mdf_paid(scope, start, end)),
        ("mdf_claimed_pipeline", lambda: queries.mdf_claimed_pipeline(scope, start, end)),
        ("mdf_attributed_bookings", lambda: queries.mdf_attributed_bookings(scope, start, end)),
        ("deal_sla", lambda: queries.deal_sla(scope, start, end)),
        ("deal_sla_breached_now", lambda: queries.deal_sla_breached_now(scope)),
        ("lead_sla", lambda: queries.lead_sla(scope, start, end)),
        ("certified_people", lambda: queries.certified_people(scope, period.end)),
        ("active_partner_count", lambda: queries.active_partner_count(scope)),
        ("cohort_deals", lambda: queries.cohort_deals(scope, certified, period.start, period.end)),
    ]


def _time(fn) -> float:
    fn()  # warm the cache: the dashboard is read again and again
    started = time.monotonic()
    fn()
    return time.monotonic() - started


def run() -> Result:
    commission_data.ensure(sys.stdout, commission_data.won_deal_count())
    dataset.ensure_certifications(sys.stdout)
    mdf_data.ensure(sys.stdout, mdf_data.request_count())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE deals_dealregistration")
    period = parse_period(PERIOD)
    quarters = selectors.trend_quarters(period)
    cam, cam_scope = _cam_scope()
    slowest = 0.0
    for who, scope in (("program", None), ("cam", cam_scope)):
        for name, fn in _queries(scope, period, quarters):
            seconds = _time(fn)
            slowest = max(slowest, seconds)
            _line(f"dashboard_{who}_{name}", f"{seconds:.3f}", "s", "<1", seconds < TARGET_S)
    ops = User.objects.filter(internal_role="ops").first()
    for who, user in (("program", ops), ("cam", cam)):
        seconds = _time(lambda u=user: selectors.dashboard(u, Filters(period=period)))
        _line(f"dashboard_{who}_all_queries", f"{seconds:.2f}", "s", "info", True)
    return Result("dashboard_slowest_query", slowest, "s", f"<{TARGET_S:.0f}", slowest < TARGET_S)
