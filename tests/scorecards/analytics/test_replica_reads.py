"""The reporting pages read in reporting mode, so that with DATABASE_REPLICA_URL their
aggregates run on the read replica (prm.db_routers); the rest of the request does not."""

import pytest
from django.db import connection
from django.urls import reverse

from prm.db_routers import reporting_active
from prm.periods import parse_period
from scorecards.analytics import reports

pytestmark = pytest.mark.django_db


class QueryModes:
    """Records, for each query, whether it ran in reporting mode."""

    def __init__(self):
        self.queries: list[tuple[str, bool]] = []

    def __call__(self, execute, sql, params, many, context):
        self.queries.append((sql, reporting_active()))
        return execute(sql, params, many, context)

    def on(self, table: str) -> list[bool]:
        return [mode for sql, mode in self.queries if table in sql]


def record(fn):
    modes = QueryModes()
    with connection.execute_wrapper(modes):
        result = fn()
    return modes, result


def test_the_dashboard_aggregates_run_in_reporting_mode(client_for, ops, program):
    client = client_for(ops)
    modes, response = record(
        lambda: client.get(reverse("scorecards:analytics:dashboard"), {"period": "FY2025"})
    )
    assert response.status_code == 200
    deal_queries = modes.on("deals_dealregistration")
    assert deal_queries and all(deal_queries)
    # Signing in and the session stay on the primary.
    assert not all(mode for _, mode in modes.queries)


def test_a_business_review_reads_in_reporting_mode(acme, program):
    modes, html = record(lambda: reports.business_review_html(acme, parse_period("FY2025-Q2")))
    assert acme.legal_name in html
    assert modes.on("deals_dealregistration") and all(modes.on("deals_dealregistration"))
    assert not reporting_active()
