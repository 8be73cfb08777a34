"""Indexes migrations build on PostgreSQL only (``prm.migration_indexes``): built concurrently
when asked, an index an interrupted concurrent build left invalid is dropped and built again,
and reversing drops it."""

import pytest
from django.apps import apps
from django.db import connection

from prm.migration_indexes import postgresql_indexes

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexes are PostgreSQL's"
)

NAME = "test_lead_company_concurrently"


def _state() -> tuple[int, bool] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::int, indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)",
            [NAME],
        )
        return cursor.fetchone()


@pytest.fixture(autouse=True)
def _dropped_after():
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {NAME}")


def _run(code) -> None:
    with connection.schema_editor(atomic=False) as editor:  # as a non-atomic migration does
        code(apps, editor)


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_build_left_invalid_is_built_again_and_reversing_drops_it():
    operation = postgresql_indexes("deals_lead", {NAME: "company_name"}, concurrently=True)
    _run(operation.code)
    first = _state()
    assert first is not None and first[1]
    with connection.cursor() as cursor:  # what a build interrupted half way leaves
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = to_regclass(%s)", [NAME]
        )

    _run(operation.code)

    again = _state()
    assert again is not None and again[1] and again[0] != first[0]
    _run(operation.reverse_code)
    assert _state() is None


@pytest.mark.django_db(transaction=True)
def test_a_valid_index_is_left_as_it_is():
    operation = postgresql_indexes("deals_lead", {NAME: "company_name"}, concurrently=True)
    _run(operation.code)
    first = _state()

    _run(operation.code)

    assert _state() == first
