"""The partner's commission pages issue the same number of queries whatever the number of lines,
statements and payouts (no query per row)."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deals.commissions.services import run_commission_calculation
from deals.models import Statement

from .conftest import IN_Q4, Q3, Q4, pay_everything, won_deal

PAGES = ["commissions", "commission_lines", "commission_statements", "commission_payouts"]


def _counts(client) -> dict[str, int]:
    counts = {}
    for name in PAGES:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(f"deals:{name}")).status_code == 200
        counts[name] = len(queries.captured_queries)
    statement = Statement.objects.order_by("pk").first()
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("deals:commission_statement", args=[statement.pk]))
    counts["statement"] = len(queries.captured_queries)
    return counts


def _wins(partner, n: int, day: dt.date) -> None:
    for i in range(n):
        won_deal(partner, amount=str(1000 + i), closed_on=day)


def test_query_counts_do_not_grow_with_rows(acme, margin_rule, ops, client_for, acme_admin):
    client = client_for(acme_admin)
    _wins(acme, 2, dt.date(2026, 8, 10))
    run_commission_calculation(period=Q3, actor=ops)
    pay_everything(Q3, ops)
    _wins(acme, 2, IN_Q4)
    run_commission_calculation(period=Q4, actor=ops)
    few = _counts(client)

    _wins(acme, 20, IN_Q4 + dt.timedelta(days=3))
    run_commission_calculation(period=Q4, actor=ops)
    many = _counts(client)
    assert many == few
