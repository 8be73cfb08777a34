"""The configuration lists cost the same number of queries with one row or many."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deals.leads.rules import save_routing_rule
from enablement.models import OnboardingStep, OnboardingTemplate
from partners.models import BusinessModel, Tier
from prm.models import ChannelTeam
from tests.enablement.factories import CertificationFactory, CourseFactory, TrackFactory
from tests.factories import PartnerFactory, TierRequirementFactory

pytestmark = pytest.mark.django_db
MODELS = list(BusinessModel.values)


def _add_rows(n: int, ops) -> None:
    start = Tier.objects.count()
    for i in range(start, start + n):
        tier = Tier.objects.create(
            name=f"T{i}", rank=10 + i, mdf_accrual_rate=1, commission_multiplier=9
        )
        TierRequirementFactory(tier=tier)
        partner = PartnerFactory(tier=tier)
        rule = save_routing_rule(actor=ops, name=f"Rule {i}", priority=i, partners=[partner])
        assert rule.partners.count() == 1
        CourseFactory(track=TrackFactory(name=f"Track {i}"))
        CertificationFactory(course=None)
        ChannelTeam.objects.create(name=f"Team {i}", business_models=[MODELS[i % len(MODELS)]])
        template = OnboardingTemplate.objects.create(
            name=f"Checklist {i}", business_model=MODELS[i % len(MODELS)]
        )
        OnboardingStep.objects.create(template=template, kind="custom", title="Call")


PAGES = [
    "program:index",
    "program:tier_list",
    "program:routing_rule_list",
    "program:catalog",
    "program:agreement_list",
    "program:onboarding_list",
    "program:team_list",
]


@pytest.mark.parametrize("name", PAGES)
def test_lists_do_not_grow_queries_with_rows(client_for, ops, name):
    client = client_for(ops)
    _add_rows(1, ops)
    client.get(reverse(name))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(name)).status_code == 200
    _add_rows(6, ops)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(name)).status_code == 200
    assert len(many) == len(few)
