"""The benchmark loader keeps working as models change: a tiny data set on PostgreSQL."""

import io

import pytest
from django.db import connection

from bench import dataset
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
    registrations = DealRegistration.objects.all()
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
