"""Indexes only PostgreSQL gets, for migrations: a descending order that puts empty values last
(``DESC NULLS LAST``, how ``prm.lists.StableOrderingFilter`` sorts an empty-able column
newest-first), which an ascending index cannot serve backwards. SQLite has no NULLS LAST in an
index and sorts small test data anyway."""

from django.db import migrations


def postgresql_indexes(
    table: str, indexes: dict[str, str], *, condition: str = "", method: str = ""
) -> migrations.RunPython:
    """An operation creating ``indexes`` (name → column list) on ``table``, partial when a
    ``condition`` (SQL) is given, of another kind than a b-tree when a ``method`` is (``gin``),
    and dropping them when reversed; nothing on other databases."""
    where = f" WHERE {condition}" if condition else ""
    using = f" USING {method}" if method else ""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for name, columns in indexes.items():
                schema_editor.execute(
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table}{using} ({columns}){where}"
                )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for name in indexes:
                schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop)
