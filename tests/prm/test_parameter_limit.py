"""Bulk writes stay within PostgreSQL's 65,535 parameters a statement (``prm.db.postgresql``):
Django's own PostgreSQL backend sent each bulk write as one statement, however many rows."""

import pytest
from django.db import connection

from prm.db.postgresql.base import MAX_PARAMETERS, batch_size_for
from prm.models import Notification
from prm.settings.base import database


def test_postgresql_urls_use_the_portals_backend():
    assert database("postgres://prm@db.example:5432/prm")["ENGINE"] == "prm.db.postgresql"


@pytest.mark.parametrize(
    ("fields", "objects"),
    [(1, 200_000), (9, 8_000), (13, 100_000), (40, 3_000), (2 + 7, 60_000)],
)
def test_a_batch_never_carries_more_than_the_limit_even_counted_twice(fields, objects):
    size = batch_size_for(fields, objects)
    assert 1 <= size <= objects
    assert size * 2 * fields <= MAX_PARAMETERS
    # As large as the limit allows: one object more would pass it.
    assert size == objects or (size + 1) * 2 * fields > MAX_PARAMETERS


def test_no_fields_means_one_batch():
    assert batch_size_for(0, 5_000) == 5_000


@pytest.mark.django_db
def test_bulk_writes_of_thousands_of_rows_succeed(acme_admin):
    if connection.vendor != "postgresql":
        pytest.skip("the limit is PostgreSQL's")
    count = 8_000  # nine columns each: 72,000 parameters in one statement
    rows = Notification.objects.bulk_create(
        Notification(user=acme_admin, kind="probe", title=f"Probe {i}") for i in range(count)
    )
    assert Notification.objects.filter(kind="probe").count() == count
    for row in rows:
        row.title, row.body, row.url = "Changed", "body", "/x/"
    # Four fields: the primary key is bound once per field and row, 72,000 parameters again.
    Notification.objects.bulk_update(rows, ["title", "body", "url", "kind"])
    assert Notification.objects.filter(title="Changed", body="body").count() == count
