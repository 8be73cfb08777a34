"""Lead and registration searches (the portal's ``q`` and the API's ``search``) can be served by
their trigram indexes on PostgreSQL: the SQL the ``matches`` lookup writes (``prm.search``) matches
the indexed expressions, one column at a time and for the OR of them, for a long word (anywhere)
and a short one (the start of a word)."""

import pytest
from django.db import connection, transaction
from django.db.models import Q

from deals.api.views import RegistrationViewSet
from deals.filters import DealFilter, LeadFilter
from deals.models import DealRegistration, Lead

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's trigram indexes"),
]

SEARCHES = [
    pytest.param(Lead, LeadFilter.search_fields, "lead_search_trgm", id="leads"),
    pytest.param(DealRegistration, DealFilter.search_fields, "deal_search_trgm", id="deals"),
]


def _plan(queryset) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


# A word and how many conditions it makes on each column (a short word: the column's start, and
# after each of the four word separators).
WORDS = [pytest.param("pravio", 1, id="long"), pytest.param("hp", 5, id="short")]


@pytest.mark.parametrize(("model", "fields", "index"), SEARCHES)
@pytest.mark.parametrize(("word", "conditions"), WORDS)
def test_each_searched_column_can_use_the_index(model, fields, index, word, conditions):
    for column in fields:
        searched = model.objects.filter(**{f"{column}__matches": word}).order_by()
        assert _plan(searched).count(index) == conditions, column


@pytest.mark.parametrize(("model", "fields", "index"), SEARCHES)
@pytest.mark.parametrize(("word", "conditions"), WORDS)
def test_a_search_over_every_column_can_use_the_index(model, fields, index, word, conditions):
    match = Q()
    for column in fields:
        match |= Q(**{f"{column}__matches": word})
    plan = _plan(model.objects.filter(match).order_by())
    assert "BitmapOr" in plan and plan.count(index) == len(fields) * conditions


def test_the_api_searches_the_registrations_columns_the_portal_does():
    assert tuple(RegistrationViewSet.search_fields) == DealFilter.search_fields
