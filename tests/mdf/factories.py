import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from mdf.models import ActivityType, FundRequest, ProofKind


class ActivityTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityType
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Webinar {n}")
    category = ActivityType.Category.WEBINAR
    max_vendor_share = Decimal("50")
    required_proof = [ProofKind.INVOICE]
    business_models: list = []


def request_values(activity_type, **overrides) -> dict:
    today = timezone.localdate()
    values = {
        "activity_type": activity_type,
        "title": "Spring webinar",
        "starts_on": today + dt.timedelta(days=10),
        "ends_on": today + dt.timedelta(days=11),
        "planned_cost": Decimal("2000.00"),
        "partner_contribution": Decimal("1000.00"),
        "requested_amount": Decimal("1000.00"),
        "target_audience": "IT directors",
        "expected_leads": 40,
        "expected_pipeline": Decimal("50000.00"),
    }
    values.update(overrides)
    return values


__all__ = ["ActivityTypeFactory", "FundRequest", "request_values"]
