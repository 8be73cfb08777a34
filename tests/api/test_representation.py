"""The output serializers' shortcuts (``prm.api.representation``) give exactly DRF's JSON: the
same rows through the mixin and through DRF's own fields, in several time zones."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from deals.api.serializers import REGISTRATION_REFERENCES, RegistrationOutputSerializer
from deals.models import DealRegistration
from prm.api.representation import with_references
from tests.deals.factories import DealFactory

pytestmark = pytest.mark.django_db

Status = DealRegistration.Status


def _drf(serializer, instance) -> dict:
    """DRF's own answer for ``instance``, nested serializers included, without the mixin."""
    answer = {}
    for field in serializer._readable_fields:
        attribute = field.get_attribute(instance)
        if attribute is None:
            answer[field.field_name] = None
        elif isinstance(field, serializers.BaseSerializer):
            answer[field.field_name] = _drf(field, attribute)
        else:
            answer[field.field_name] = field.to_representation(attribute)
    return answer


@pytest.fixture
def registrations(acme, acme_admin, ops):
    won = DealFactory(
        partner=acme, registered_by=acme_admin, status=Status.WON, currency="JPY",
        estimated_amount=Decimal("1250000"), closed_amount=Decimal("1250000"),
        closed_on=dt.date(2026, 3, 31), product_lines=["Cloud", "Édition"],
        decided_by=ops, decided_at=dt.datetime(2026, 3, 1, 23, 30, 15, 123456, tzinfo=dt.UTC),
        contact_email="ana@acme.example", resubmission_count=2,
    )  # fmt: skip
    draft = DealFactory(partner=acme, registered_by=acme_admin, notes="")
    submitted = DealFactory(
        partner=acme, registered_by=acme_admin, status=Status.SUBMITTED,
        sla_due_at=timezone.now() - dt.timedelta(hours=1),
    )  # fmt: skip
    return [won, draft, submitted]


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Kolkata"])
def test_the_mixin_answers_exactly_as_drf(registrations, zone):
    rows = list(
        with_references(DealRegistration.objects.all(), **REGISTRATION_REFERENCES).order_by("pk")
    )
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        fast = RegistrationOutputSerializer(rows, many=True).data
        plain = [_drf(RegistrationOutputSerializer(row), row) for row in rows]
    assert [dict(row) for row in fast] == plain
    decided = fast[0]["decided_at"]
    assert (
        decided
        == {
            "UTC": "2026-03-01T23:30:15.123456Z",
            "America/Los_Angeles": "2026-03-01T15:30:15.123456-08:00",
            "Asia/Kolkata": "2026-03-02T05:00:15.123456+05:30",
        }[zone]
    )
