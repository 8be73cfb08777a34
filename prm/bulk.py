"""Writing many new rows of one model at once."""

from collections.abc import Sequence

from django.db import models, transaction


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
        return len(model.objects.bulk_create(objs))
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    statement = f"COPY {table} ({columns}) FROM STDIN"
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(statement) as copy,
    ):
        for obj in objs:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
    return len(objs)
