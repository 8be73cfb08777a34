"""The API's filter backend passes by a request that names none of the view's filters, and
filters (and refuses bad values) exactly as django-filter does when one is named."""

import django_filters
import pytest
from django.http import QueryDict

from deals.api.filters import RegistrationFilter
from deals.models import DealRegistration
from prm.api.filters import names_a_filter
from tests.api.assertions import error_of
from tests.deals.factories import DealFactory

REGISTRATIONS = "/api/v1/registrations/"


class AmountFilter(django_filters.FilterSet):
    status = django_filters.CharFilter()
    amount = django_filters.RangeFilter(field_name="estimated_amount")
    closed = django_filters.DateFromToRangeFilter(field_name="closed_on")

    class Meta:
        model = DealRegistration
        fields = ["status", "amount", "closed"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("", False),
        ("page=2&page_size=50&ordering=-created_at&search=acme&pagination=cursor", False),
        ("updated_since=2026-01-01T00:00:00Z", False),
        ("status=won", True),
        ("status=", True),  # named, even empty: django-filter decides what that means
        ("amount_min=10", True),
        ("amount_max=10", True),
        ("closed_after=2026-01-01", True),
        ("page=2&closed_before=2026-01-01", True),
    ],
)
def test_which_requests_name_a_filter(query, named):
    assert names_a_filter(QueryDict(query), AmountFilter) is named


@pytest.fixture
def deals(acme, acme_admin):
    submitted = DealFactory.create_batch(
        3, partner=acme, registered_by=acme_admin, status=DealRegistration.Status.SUBMITTED
    )
    won = DealFactory(partner=acme, registered_by=acme_admin, status=DealRegistration.Status.WON)
    return submitted, won


@pytest.mark.django_db
def test_an_unfiltered_list_builds_no_filter_form(deals, key_client, monkeypatch):
    def refuse(self):
        raise AssertionError("the filter form was built for a request naming no filter")

    monkeypatch.setattr(RegistrationFilter, "is_valid", refuse)
    answer = key_client("deals:read").get(REGISTRATIONS, {"page_size": 10})
    assert answer.status_code == 200
    submitted, won = deals
    assert {row["id"] for row in answer.json()["results"]} == {d.pk for d in [*submitted, won]}


@pytest.mark.django_db
def test_a_named_filter_filters(deals, key_client):
    _submitted, won = deals
    answer = key_client("deals:read").get(REGISTRATIONS, {"status": "won"})
    assert answer.status_code == 200
    assert [row["id"] for row in answer.json()["results"]] == [won.pk]


@pytest.mark.django_db
def test_a_bad_filter_value_is_still_a_400_naming_the_parameter(deals, key_client):
    answer = key_client("deals:read").get(REGISTRATIONS, {"created_from": "yesterday"})
    assert answer.status_code == 400
    assert list(error_of(answer)["details"]) == ["created_from"]
