"""The ops list pages issue the same number of queries whatever the number of rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deals.commissions import plans
from deals.commissions.overrides import set_override
from deals.commissions.repcredit.services import save_territory
from deals.models import CommissionRule, CommissionRun, Spiff
from prm.currency.models import ExchangeRate
from tests.factories import PartnerFactory

from .conftest import won_deal


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def assert_queries_do_not_grow(client, url, make, ops, rule) -> None:
    """The page at ``url`` issues as many queries with four rows as with one (``make`` adds
    rows; ``None`` adds below-floor overrides of ``rule``)."""

    def add(n):
        if make is None:
            _overrides(n, ops, rule)
        else:
            make(n, ops)

    add(1)
    few = _count(client, url)
    add(3)
    assert _count(client, url) == few


def _runs(n, ops):
    CommissionRun.objects.bulk_create(
        [CommissionRun(period="FY2026-Q3", requested_by=ops) for _ in range(n)]
    )


def _plans(n, ops):
    start = CommissionRule.objects.count()
    for i in range(n):
        name = f"Plan {start}-{i}"
        plan = plans.create_plan(actor=ops, name=name, effective_from=dt.date(2025, 1, 1))
        plans.save_rule(actor=ops, plan=plan, name="All", kind="margin", rate=Decimal(5))


def _spiffs(n, ops):
    for _ in range(n):
        Spiff.objects.create(name="S", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 3, 31),
                             extra_rate=Decimal(1))  # fmt: skip


def _overrides(n, ops, rule):
    for _ in range(n):
        deal = won_deal(PartnerFactory())
        set_override(actor=ops, deal=deal, rule=rule, reason="why", rate=Decimal(1))


def _rates(n, ops):
    first = dt.date(2020, 1, 1) + dt.timedelta(days=ExchangeRate.objects.count())
    days = [first + dt.timedelta(days=i) for i in range(n)]
    ExchangeRate.objects.bulk_create(
        [ExchangeRate(currency="EUR", rate=1, effective_on=day, entered_by=ops) for day in days]
    )


def _territories(n, ops):
    codes = ["FR", "IT", "ES", "PT", "NL", "BE", "AT", "CH"]
    from deals.commissions.repcredit.models import RepTerritory

    free = [c for c in codes if not RepTerritory.objects.filter(country=c).exists()][:n]
    for code in free:
        save_territory(actor=ops, country=code, rep_name=code, rep_email=f"{code}@v.example")


@pytest.mark.parametrize(
    ("url_name", "make"),
    [
        ("deals:commission_run_list", _runs),
        ("deals:commission_plan_list", _plans),
        ("deals:commission_spiff_list", _spiffs),
        ("deals:commission_override_queue", None),
        ("currency:rate_list", _rates),
        ("deals:rep_territory_list", _territories),
    ],
)
def test_list_pages_do_not_query_per_row(url_name, make, ops, client_for, margin_rule):
    assert_queries_do_not_grow(client_for(ops), reverse(url_name), make, ops, margin_rule)
