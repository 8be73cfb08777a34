"""Writing many new rows at once: in one statement, and in transactions that check them well."""

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import models, transaction


@contextmanager
def atomic_bulk(using: str | None = None, *, redone_if_lost: bool = False) -> Iterator[None]:
    """``transaction.atomic`` for a transaction that writes many rows (a job's chunk).

    PostgreSQL checks the foreign keys of the rows a transaction wrote at its commit (Django
    makes them deferred): one query per key per row. The portal's connections plan every
    execution for its own values (``plan_cache_mode=force_custom_plan``, see the database
    settings), which serves the pages but plans each of those checks anew for every row: the
    9,000 proposals of a tier review, five keys each, took 430 ms of checks instead of 140 ms,
    and a year of commission lines 29 s instead of 12.5 s. At the end of the block, before its
    commit, the transaction lets PostgreSQL keep one plan per check (``SET LOCAL``: until the
    transaction ends, so inside an outer transaction the rest of it keeps that setting too).
    A block left by an exception changes nothing.

    ``redone_if_lost``: the job does this transaction again if it is lost, because it records
    in it how far it got and starts from there when run again, and nothing outside the database
    has acted on it yet. Its commit then returns without waiting for the write-ahead log to
    reach the disk (``synchronous_commit``, a few milliseconds per chunk): a crash of the
    database server may lose the last transactions committed, whole and never in part, which
    the job does again; it cannot leave them half-written."""
    with transaction.atomic(using=using):
        yield
        connection = transaction.get_connection(using)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL plan_cache_mode = auto")
                if redone_if_lost:
                    cursor.execute("SET LOCAL synchronous_commit = off")


def insert_many(objs: Sequence[models.Model]) -> int:
    """Insert ``objs`` (new rows of one model) and return how many were written. On PostgreSQL
    one ``COPY``: the values stream in the server's text format, with no statement to build,
    quote or plan (a ``bulk_create`` of thousands of rows with JSON columns spends most of its
    time quoting them). Elsewhere ``bulk_create``. Like ``bulk_create`` with
    ``ignore_conflicts``, sends no signals and leaves the objects' primary keys unset; unlike
    it, a conflicting row fails the whole batch, so callers make sure there is none."""
    if not objs:
        return 0
    model = type(objs[0])
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return len(model._default_manager.bulk_create(objs))
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    copy_rows(
        model,
        [f.column for f in fields],
        ([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs),
    )
    return len(objs)


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Any]) -> None:
    """Write ``rows`` (sequences of the values of ``columns``, ready for the database: ints,
    text, ``Decimal``, dates, None) into ``model``'s table with one ``COPY`` (PostgreSQL)."""
    connection = transaction.get_connection()
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


# Columns whose values COPY takes as Python gives them (ints, text, booleans): a row of these
# needs no preparing, and preparing a value through its field costs microseconds each.
_AS_GIVEN = (
    models.IntegerField,
    models.BooleanField,
    models.CharField,
    models.TextField,
    models.ForeignKey,
)


class JSONText(str):
    """A JSON column's value already serialized (``insert_rows`` writes it as it is): for a
    job whose rows share large parts of a JSON value, serialized once instead of per row."""


def _loaded(value: Any) -> Any:
    return json.loads(value) if type(value) is JSONText else value


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert new rows of ``model`` given as tuples of the values of ``fields`` (attribute
    names: ``partner_id`` for a foreign key); every other column takes its field's default.
    For jobs writing thousands of rows that differ in a few columns: no model instance per
    row, and only the given values prepared per row (a ``JSONText`` not at all, and the same
    object as the row before's, such as the job's timestamp, once). Otherwise as
    ``insert_many``."""
    rows = list(rows)
    if not rows:
        return 0
    concrete = [f for f in model._meta.concrete_fields if not f.primary_key]
    unknown = set(fields) - {f.attname for f in concrete}
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}.")
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return insert_many(
            [model(**dict(zip(fields, map(_loaded, row), strict=True))) for row in rows]
        )
    template = model()
    defaults = [f.get_db_prep_save(f.pre_save(template, True), connection) for f in concrete]
    position = {f.attname: i for i, f in enumerate(concrete)}
    given = [
        (position[name], index, None if isinstance(field, _AS_GIVEN) else field)
        for index, (name, field) in enumerate((name, concrete[position[name]]) for name in fields)
    ]
    last: dict[int, tuple[Any, Any]] = {}  # per column: the last value and its preparing

    def prepared(row: Sequence[Any]) -> list[Any]:
        values = defaults.copy()
        for at, index, field in given:
            value = row[index]
            if field is not None and type(value) is not JSONText:
                before = last.get(at)
                if before is None or before[0] is not value:
                    before = last[at] = (value, field.get_db_prep_save(value, connection))
                value = before[1]
            values[at] = value
        return values

    copy_rows(model, [f.column for f in concrete], map(prepared, rows))
    return len(rows)
