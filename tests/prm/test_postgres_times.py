"""PostgreSQL times are read by psycopg's compiled loader, with the same values and labels as
Django's own loader."""

import datetime as dt

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.utils import timezone

from partners.models import Partner
from prm.postgres import UtcTimestampLoader

pytestmark = pytest.mark.django_db

TIMES = [
    "2024-03-01 12:00:00.123456+05:30",
    "2024-10-27 01:30:00-07:00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2026-12-04 09:52:17.141879+00",
]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the loader is psycopg's")


def _read(cursor) -> list:
    cursor.execute("SELECT " + ", ".join(f"'{text}'::timestamptz" for text in TIMES))
    return list(cursor.fetchone())


def test_a_connection_reads_times_with_the_compiled_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text
    assert loader is UtcTimestampLoader
    with connection.cursor() as cursor:
        fast = _read(cursor)
    with connection.cursor() as cursor:
        register_tzloader(dt.UTC, cursor.cursor)  # Django's own loader, on this cursor only
        django = _read(cursor)
    assert fast == django
    assert [value.tzinfo for value in fast] == [dt.UTC] * len(TIMES)
    assert fast[0] == dt.datetime(2024, 3, 1, 6, 30, 0, 123456, tzinfo=dt.UTC)
    assert fast[1].isoformat() == "2024-10-27T08:30:00+00:00"


def test_times_outside_pythons_range_are_refused_as_before():
    from django.db import DataError

    with connection.cursor() as cursor, pytest.raises(DataError, match="after year 10K"):
        cursor.execute("SELECT 'infinity'::timestamptz")
        cursor.fetchone()


def test_models_and_streamed_rows_read_aware_times(acme):
    stamped = timezone.now().replace(microsecond=654321)
    Partner.objects.filter(pk=acme.pk).update(created_at=stamped)
    assert Partner.objects.get(pk=acme.pk).created_at == stamped
    # .iterator() reads through a named (server-side) cursor.
    (streamed,) = Partner.objects.filter(pk=acme.pk).values_list("created_at").iterator()
    assert streamed == (stamped,)
    assert streamed[0].tzinfo is dt.UTC


def test_connections_labelled_with_another_zone_keep_djangos_loader():
    """A database ``TIME_ZONE`` other than UTC: Django's loader labels times with it."""
    from types import SimpleNamespace
    from unittest import mock
    from zoneinfo import ZoneInfo

    from prm.postgres import read_times_in_c

    raw = mock.Mock()
    raw.info.parameter_status.return_value = "Europe/Paris"
    for zone in (ZoneInfo("Europe/Paris"), dt.UTC):
        read_times_in_c(
            connection=SimpleNamespace(vendor="postgresql", timezone=zone, connection=raw)
        )
    raw.adapters.register_loader.assert_not_called()
    raw.info.parameter_status.return_value = "UTC"
    read_times_in_c(
        connection=SimpleNamespace(vendor="postgresql", timezone=dt.UTC, connection=raw)
    )
    raw.adapters.register_loader.assert_called_once_with("timestamptz", UtcTimestampLoader)
