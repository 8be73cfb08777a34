"""Day filters of date-and-time columns: a day of the active time zone, from its first moment up
to the next day's, as a range an index on the column serves (no conversion of every row)."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from deals.filters import DealFilter
from deals.models import DealRegistration
from prm.lists import DayFilter
from prm.periods import day_start
from tests.deals.factories import DealFactory

pytestmark = pytest.mark.django_db
KOLKATA = zoneinfo.ZoneInfo("Asia/Kolkata")  # UTC+05:30


@pytest.fixture
def around_midnight(acme, acme_admin):
    """Deals registered just before, at and just after midnight of 2 May 2026 in Kolkata."""
    moments = {
        "before": dt.datetime(2026, 5, 1, 23, 59, 59, tzinfo=KOLKATA),
        "midnight": dt.datetime(2026, 5, 2, 0, 0, tzinfo=KOLKATA),
        "late": dt.datetime(2026, 5, 2, 23, 59, 59, 999999, tzinfo=KOLKATA),
        "next": dt.datetime(2026, 5, 3, 0, 0, tzinfo=KOLKATA),
    }
    deals = {}
    for name, moment in moments.items():
        deal = DealFactory(partner=acme, registered_by=acme_admin)
        DealRegistration.objects.filter(pk=deal.pk).update(created_at=moment)
        deals[name] = deal.pk
    return deals


def _names(queryset, deals) -> set[str]:
    ids = set(queryset.values_list("pk", flat=True))
    return {name for name, pk in deals.items() if pk in ids}


@pytest.mark.parametrize(
    ("lookup", "expected"),
    [("gte", {"midnight", "late", "next"}), ("lte", {"before", "midnight", "late"})],
)
def test_a_day_is_the_active_time_zones(around_midnight, lookup, expected):
    day_filter = DayFilter(field_name="created_at", lookup_expr=lookup)
    with timezone.override(KOLKATA):
        rows = day_filter.filter(DealRegistration.objects.all(), dt.date(2026, 5, 2))
        assert _names(rows, around_midnight) == expected
        assert "::date" not in str(rows.query)  # a range of times, not a date per row


def test_no_day_leaves_the_rows_alone(around_midnight):
    everything = DealRegistration.objects.all()
    assert DayFilter(field_name="created_at").filter(everything, None) is everything


def test_only_on_or_after_and_on_or_before():
    with pytest.raises(ValueError, match="gte or lte"):
        DayFilter(field_name="created_at", lookup_expr="exact")


def test_the_deal_lists_range_takes_whole_days(around_midnight, acme_admin, rf):
    request = rf.get("/deals/")
    request.user = acme_admin
    with timezone.override(KOLKATA):
        listed = DealFilter(
            data={"date_from": "2026-05-02", "date_to": "2026-05-02"},
            queryset=DealRegistration.objects.all(),
            request=request,
        ).qs
        assert _names(listed, around_midnight) == {"midnight", "late"}


def test_a_day_starts_at_midnight_of_the_active_zone():
    with timezone.override(KOLKATA):
        start = day_start(dt.date(2026, 5, 2))
    assert start == dt.datetime(2026, 5, 1, 18, 30, tzinfo=dt.UTC)
