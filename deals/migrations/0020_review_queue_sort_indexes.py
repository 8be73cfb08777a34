"""The review queue's other orders. Its rows are the pending registrations (a few percent of
all), so a partial index per order lets a page stop after its rows instead of sorting every
pending registration; descending ones on empty-able columns put empty values last
(``prm.migration_indexes``). PostgreSQL's only."""

from django.db import migrations

from prm.migration_indexes import postgresql_indexes


class Migration(migrations.Migration):
    dependencies = [("deals", "0019_lead_descending_nulls_last_indexes")]

    operations = [
        postgresql_indexes(
            "deals_dealregistration",
            {
                "deal_queue_due": "sla_due_at, id",
                "deal_queue_due_desc": "sla_due_at DESC NULLS LAST, id DESC",
                "deal_queue_first_desc": "first_submitted_at DESC NULLS LAST, id DESC",
                "deal_queue_customer": "customer_name, id",
                "deal_queue_amount": "estimated_amount, id",
            },
            condition="status IN ('submitted', 'more_info')",
        )
    ]
