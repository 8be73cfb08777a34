"""The output serializers' shortcuts (``prm.api.representation``) give exactly DRF's JSON: the
same rows through the mixin and through DRF's own fields, in several time zones."""

import zoneinfo

import pytest
from django.utils import timezone

from deals.api.serializers import REGISTRATION_REFERENCES, RegistrationOutputSerializer
from deals.models import DealRegistration
from prm.api.representation import with_references
from tests.api.assertions import drf_answer

pytestmark = pytest.mark.django_db

Status = DealRegistration.Status


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Kolkata"])
def test_the_mixin_answers_exactly_as_drf(registrations, zone):
    rows = list(
        with_references(DealRegistration.objects.all(), **REGISTRATION_REFERENCES).order_by("pk")
    )
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        fast = RegistrationOutputSerializer(rows, many=True).data
        plain = [drf_answer(RegistrationOutputSerializer(row), row) for row in rows]
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
