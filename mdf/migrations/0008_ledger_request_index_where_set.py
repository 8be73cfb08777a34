"""The ledger entries' request index only where an entry has a request: the accrual and expiry
jobs append thousands of entries without one, each of which added a null to the index."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mdf", "0007_fund_request_sync_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="ledgerentry",
            name="request",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="ledger_entries",
                to="mdf.fundrequest",
            ),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                condition=models.Q(("request__isnull", False)),
                fields=["request"],
                name="mdf_entry_request",
            ),
        ),
    ]
