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
