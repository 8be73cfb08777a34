"""Trigram similarity on normalized customer names, for fuzzy conflict matching.

PostgreSQL only: SQLite keeps the plain index from 0001 and the conflict check falls back to
comparing names in Python (see ``deals.conflicts``).
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS deal_customer_name_trgm ON deals_dealregistration "
    "USING gin (customer_name_normalized gin_trgm_ops) "
    "WHERE status IN ('submitted', 'more_info', 'approved')",
    "CREATE INDEX IF NOT EXISTS account_name_trgm ON deals_customeraccount "
    "USING gin (normalized_name gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS deal_customer_name_trgm",
    "DROP INDEX IF EXISTS account_name_trgm",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
