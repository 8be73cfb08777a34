"""Trigram index for searching registrations by customer name, domain or CRM reference.

The portal's registration list and the API search with ``icontains`` (``UPPER(column) LIKE
UPPER('%word%')``). Inside one partner's registrations a b-tree with the columns included serves
it (``deal_list_partner_created``), but program ops search all of them: a word that matches few
registrations of the scale data set's million walked the whole list newest first, 1.1 s for
"acme" (and counted them in another 1.1 s). The index serves each column's condition and their
OR: 25 ms. Words of fewer than three letters have no trigram and still read the list. PostgreSQL
only, like the lead search's trigram index (0026).
"""

from django.db import migrations

from prm.migration_indexes import postgresql_indexes

COLUMNS = ("customer_name", "customer_domain", "external_ref")


def _analyze(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE deals_dealregistration")


class Migration(migrations.Migration):
    # Built concurrently: registrations can still be written while the index of a million of
    # them builds (about 20 s).
    atomic = False

    dependencies = [("deals", "0029_commission_line_reversal_reason")]

    operations = [
        postgresql_indexes(
            "deals_dealregistration",
            {"deal_search_trgm": ", ".join(f"upper({c}::text) gin_trgm_ops" for c in COLUMNS)},
            method="gin",
            concurrently=True,
        ),
        # The planner estimates a search from the statistics of the indexed expressions, which
        # only ANALYZE gathers: until then it keeps reading the whole list for a rare word.
        migrations.RunPython(_analyze, migrations.RunPython.noop),
    ]
