"""Indexes for the deal list sorted newest-first on a column that may be empty
(``prm.migration_indexes``); PostgreSQL's only."""

from django.db import migrations

from prm.migration_indexes import postgresql_indexes


class Migration(migrations.Migration):
    dependencies = [("deals", "0015_queue_and_reference_indexes")]

    operations = [
        postgresql_indexes(
            "deals_dealregistration",
            {
                "deal_list_protected_desc": "protected_until DESC NULLS LAST, id DESC",
                "deal_list_close_desc": "expected_close_date DESC NULLS LAST, id DESC",
            },
        )
    ]
