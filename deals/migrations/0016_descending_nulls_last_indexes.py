"""Indexes for the deal list sorted newest-first on a column that may be empty.

The list puts empty values last in both directions (``prm.lists.StableOrderingFilter``), so a
descending sort is ``DESC NULLS LAST``, which the ascending index (``NULLS LAST``) cannot serve
backwards: without these PostgreSQL sorts every registration. SQLite has no NULLS LAST in an
index and sorts small test data anyway, so these are PostgreSQL's only.
"""

from django.db import migrations

INDEXES = {
    "deal_list_protected_desc": "protected_until DESC NULLS LAST, id DESC",
    "deal_list_close_desc": "expected_close_date DESC NULLS LAST, id DESC",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON deals_dealregistration ({columns})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("deals", "0015_queue_and_reference_indexes")]

    operations = [migrations.RunPython(create, drop)]
