"""Indexes for the lead list sorted descending on a column that may be empty
(``prm.migration_indexes``); PostgreSQL's only."""

from django.db import migrations

from prm.migration_indexes import postgresql_indexes


class Migration(migrations.Migration):
    dependencies = [("deals", "0018_list_sort_indexes")]

    operations = [
        postgresql_indexes(
            "deals_lead",
            {
                "lead_list_amount_desc": "estimated_amount DESC NULLS LAST, id DESC",
                "lead_list_accept_by_desc": "accept_by DESC NULLS LAST, id DESC",
            },
        )
    ]
