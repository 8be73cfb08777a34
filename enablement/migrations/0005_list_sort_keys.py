"""The person certification list's sort keys: copies of the person's, the certification's and
the office's names on each row (filled from the rows here, kept by ``save`` and
``enablement.sort_keys``), each with an index in the list's order; the office's descending
order with empty values last is PostgreSQL's only (``prm.migration_indexes``)."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Case, F, OuterRef, Subquery, When

from prm.migration_indexes import postgresql_indexes


def copy_names(apps, schema_editor):
    PersonCertification = apps.get_model("enablement", "PersonCertification")
    Certification = apps.get_model("enablement", "Certification")
    Office = apps.get_model("partners", "Office")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    shown_name = Case(When(full_name="", then=F("email")), default=F("full_name"))  # get_full_name
    PersonCertification.objects.update(
        person_name=Subquery(
            User.objects.filter(pk=OuterRef("user_id")).values(name=shown_name)[:1]
        ),
        certification_name=Subquery(
            Certification.objects.filter(pk=OuterRef("certification_id")).values("name")[:1]
        ),
    )
    PersonCertification.objects.filter(office__isnull=False).update(
        office_name=Subquery(Office.objects.filter(pk=OuterRef("office_id")).values("name")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ('enablement', '0004_list_sort_indexes'),
        ('partners', '0005_list_order_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='personcertification',
            name='certification_name',
            field=models.CharField(default='', editable=False, max_length=200, verbose_name='certification name'),
        ),
        migrations.AddField(
            model_name='personcertification',
            name='office_name',
            field=models.CharField(blank=True, editable=False, max_length=120, null=True, verbose_name='office name'),
        ),
        migrations.AddField(
            model_name='personcertification',
            name='person_name',
            field=models.CharField(default='', editable=False, max_length=254, verbose_name='person name'),
        ),
        migrations.RunPython(copy_names, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='personcertification',
            index=models.Index(fields=['person_name', 'id'], name='cert_list_person'),
        ),
        migrations.AddIndex(
            model_name='personcertification',
            index=models.Index(fields=['certification_name', 'id'], name='cert_list_certification'),
        ),
        migrations.AddIndex(
            model_name='personcertification',
            index=models.Index(fields=['office_name', 'id'], name='cert_list_office'),
        ),
        postgresql_indexes(
            "enablement_personcertification",
            {"cert_list_office_desc": "office_name DESC NULLS LAST, id DESC"},
        ),
    ]
