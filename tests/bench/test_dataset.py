"""The benchmark loader keeps working as models change: a tiny data set on PostgreSQL."""

import io

import pytest
from django.db import connection

from bench import commission_data, dataset
from deals.models import DealRegistration
from partners.models import Partner, PartnerMembership

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the loader uses PostgreSQL COPY"
)


@pytest.mark.django_db
def test_a_small_data_set_loads_and_is_reused():
    sizes = {"partners": 4, "users": 9, "registrations": 300}
    out = io.StringIO()
    dataset.build(out, sizes)
    assert Partner.objects.count() == 4
    assert PartnerMembership.objects.count() == 9
    # The year of won deals the commission benchmark pays is loaded with the registrations.
    won = DealRegistration.objects.filter(external_ref__startswith=commission_data.PREFIX)
    assert won.count() == commission_data.won_deal_count() == 80
    registrations = DealRegistration.objects.exclude(pk__in=won.values("pk"))
    assert registrations.count() == 300
    active = registrations.filter(status__in=DealRegistration.ACTIVE_STATUSES)
    assert 0 < active.count() < 100
    assert all(r.customer_name_normalized and r.customer_domain for r in registrations[:50])
    assert dataset.is_built(sizes)
    dataset.build(out, sizes)
    assert "reusing it" in out.getvalue()


def test_the_benchmark_creates_its_database_when_missing():
    """``DATABASE_URL=... make bench`` works on a server where that database does not exist."""
    import uuid

    import psycopg

    from bench.__main__ import create_database

    db = connection.settings_dict
    name = f"prm_bench_probe_{uuid.uuid4().hex[:8]}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    server = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    url = f"{server}/{name}"
    try:
        assert create_database(url) is True
        assert create_database(url) is False, "an existing database is reused"
        with psycopg.connect(url) as probe:
            assert probe.execute("SELECT current_database()").fetchone() == (name,)
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.mark.django_db
def test_person_certifications_are_added_once():
    from enablement.models import PersonCertification, ReferenceImplementation

    out = io.StringIO()
    dataset.build(out, {"partners": 4, "users": 12, "registrations": 20})
    dataset.ensure_certifications(out, 60)
    rows = PersonCertification.objects.all()
    assert rows.count() == 60
    assert rows.values("partner_id").distinct().count() > 1
    assert rows.filter(certification__kind="developer").exists()
    assert ReferenceImplementation.objects.count() == 1
    dataset.ensure_certifications(out, 60)
    assert "already loaded" in out.getvalue()
    assert PersonCertification.objects.count() == 60


@pytest.mark.django_db
def test_each_partner_is_paid_as_its_business_model_prefers_and_a_rerun_rewrites_none():
    from deals.commissions.models import CommissionRule

    out = io.StringIO()
    dataset.build(out, {"partners": 12, "users": 12, "registrations": 20})
    strayed = Partner.objects.filter(business_model__in=commission_data.COMPENSATION).first()
    Partner.objects.filter(pk=strayed.pk).update(compensation_preference="strayed")

    commission_data.ensure(out, commission_data.won_deal_count())

    for partner in Partner.objects.all():
        expected = commission_data.COMPENSATION.get(
            partner.business_model, CommissionRule.Kind.RESALE_MARGIN
        )
        assert partner.compensation_preference == expected, partner.business_model
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text::bigint, id FROM partners_partner ORDER BY id")
        versions = cursor.fetchall()
        commission_data.ensure(out, commission_data.won_deal_count())
        cursor.execute("SELECT xmin::text::bigint, id FROM partners_partner ORDER BY id")
        assert cursor.fetchall() == versions  # no partner row written again


def _table_shape(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass ORDER BY conname",
            [table],
        )
        constraints = cursor.fetchall()
        # Each index by name, method, columns (expressions as 0), uniqueness and whether it is
        # partial: its definition's text may come back deparsed differently but equivalent.
        cursor.execute(
            """
            SELECT c.relname, am.amname, i.indkey::text, i.indisunique, i.indpred IS NOT NULL
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
            WHERE i.indrelid = %s::regclass ORDER BY c.relname
            """,
            [table],
        )
        return constraints, cursor.fetchall()


@pytest.mark.django_db
def test_a_table_loaded_before_its_indexes_ends_with_every_index_and_key_as_before():
    table = DealRegistration._meta.db_table
    before = _table_shape(table)
    assert len(before[1]) > 10
    out = io.StringIO()
    with dataset.indexes_built_after(DealRegistration, out):
        constraints, indexes = _table_shape(table)
        assert not [c for c in constraints if c[1].startswith("FOREIGN KEY")]
        assert len(indexes) < len(before[1])
    assert _table_shape(table) == before
    assert "indexes built" in out.getvalue()


@pytest.mark.django_db
def test_a_row_breaking_a_foreign_key_fails_the_load_and_leaves_the_table_as_it_was():
    from django.db import IntegrityError
    from django.utils import timezone

    table = DealRegistration._meta.db_table
    before = _table_shape(table)
    out = io.StringIO()
    orphan = {
        "partner_id": 987654,  # no such partner
        "registered_by_id": 987654,
        "customer_name": "X",
        "currency": "USD",
        "estimated_amount": 1,
        "country": "US",
        "expected_close_date": "2027-01-31",
        "created_at": timezone.now(),
        "updated_at": timezone.now(),
    }
    loading = dataset.indexes_built_after(DealRegistration, out)
    with pytest.raises(IntegrityError, match="foreign key"), loading:
        dataset._copy(DealRegistration, [orphan], out, "orphans")
    assert _table_shape(table) == before
    assert not DealRegistration.objects.filter(customer_name="X").exists()
