"""Trigram indexes without GIN's pending list (``fastupdate = off``).

Every submission searches these indexes right after registrations are inserted. With the
pending list on, recent inserts wait in an unsorted list that every search reads in full until
a vacuum merges it, so conflict checks slow down as an import proceeds (tens of milliseconds a
name after a few thousand rows instead of well under one). Inserts now update the index
directly; the list already pending is merged here.

PostgreSQL only, like 0002.
"""

from django.db import migrations

INDEXES = ("deal_customer_name_trgm", "account_name_trgm")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(f"ALTER INDEX IF EXISTS {index} SET (fastupdate = off)")
            schema_editor.execute(
                "SELECT gin_clean_pending_list(c.oid) FROM pg_class c WHERE c.relname = %s",
                [index],
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(f"ALTER INDEX IF EXISTS {index} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("deals", "0005_commission_plans_lines_statements")]

    operations = [migrations.RunPython(forwards, backwards)]
