"""Lead searches (the portal's ``q`` and the API's ``search``) can be served by the trigram index
on PostgreSQL: the SQL Django writes for ``icontains`` matches the indexed expressions."""

import pytest
from django.db import connection, transaction
from django.db.models import Q

from deals.filters import LeadFilter
from deals.models import Lead

pytestmark = pytest.mark.django_db


def _plan(queryset) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


@pytest.mark.parametrize("column", LeadFilter.search_fields)
def test_each_searched_column_can_use_the_index(column):
    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    searched = Lead.objects.filter(**{f"{column}__icontains": "pravio"}).order_by()
    assert "lead_search_trgm" in _plan(searched)


def test_a_search_over_every_column_can_use_the_index():
    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    match = Q()
    for column in LeadFilter.search_fields:
        match |= Q(**{f"{column}__icontains": "pravio"})
    plan = _plan(Lead.objects.filter(match).order_by())
    assert "BitmapOr" in plan and plan.count("lead_search_trgm") == len(LeadFilter.search_fields)
