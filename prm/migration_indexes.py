"""Indexes only PostgreSQL gets, for migrations: a descending order that puts empty values last
(``DESC NULLS LAST``, how ``prm.lists.StableOrderingFilter`` sorts an empty-able column
newest-first), which an ascending index cannot serve backwards. SQLite has no NULLS LAST in an
index and sorts small test data anyway."""

from django.db import migrations


def postgresql_indexes(
    table: str,
    indexes: dict[str, str],
    *,
    condition: str = "",
    method: str = "",
    concurrently: bool = False,
) -> migrations.RunPython:
    """An operation creating ``indexes`` (name → column list) on ``table``, partial when a
    ``condition`` (SQL) is given, of another kind than a b-tree when a ``method`` is (``gin``),
    and dropping them when reversed; nothing on other databases.

    ``concurrently``: built without blocking writes to the table meanwhile (an index on a large
    table takes a while to build, and the portal keeps serving during a migration). The
    migration must then be ``atomic = False``; an index an interrupted build left invalid is
    dropped and built again."""
    where = f" WHERE {condition}" if condition else ""
    using = f" USING {method}" if method else ""
    how = " CONCURRENTLY" if concurrently else ""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for name, columns in indexes.items():
                if concurrently and _invalid(schema_editor, name):
                    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
                schema_editor.execute(
                    f"CREATE INDEX{how} IF NOT EXISTS {name} ON {table}{using} ({columns}){where}"
                )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for name in indexes:
                schema_editor.execute(f"DROP INDEX{how} IF EXISTS {name}")

    return migrations.RunPython(create, drop)


def _invalid(schema_editor, name: str) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [name]
        )
        row = cursor.fetchone()
    return bool(row and row[0])
