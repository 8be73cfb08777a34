"""The tiers page: every signed-in persona sees benefits, rates and requirements."""

from decimal import Decimal

import pytest
from django.urls import reverse

from partners.models import TierRequirement
from tests.factories import TierFactory, TierRequirementFactory

URL = reverse("partners:tier_list")
M = TierRequirement.Metric


@pytest.fixture
def gold(tiers):
    gold = tiers[2]
    gold.benefits = ["Quarterly business reviews"]
    gold.mdf_accrual_rate = Decimal("0.0200")
    gold.commission_multiplier = Decimal("1.100")
    gold.save()
    # Revenue first by position, yet certifications must be listed first.
    TierRequirementFactory(tier=gold, metric=M.SOURCED_REVENUE, threshold=250000, position=0)
    TierRequirementFactory(tier=gold, metric=M.CERTIFIED_TECHNICAL, threshold=3, position=2)
    TierRequirementFactory(tier=gold, metric=M.CERTIFIED_SALES, threshold=4, position=1)
    return gold


@pytest.mark.parametrize(
    "persona", ["acme_admin", "acme_rep", "distri_admin", "globex_admin", "cam", "ops"]
)
def test_every_persona_sees_the_tiers(client_for, personas, gold, persona):
    response = client_for(personas[persona]).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert [t.name for t in response.context["tiers"]] == ["Registered", "Silver", "Gold"]
    assert "Quarterly business reviews" in body
    assert "2% of won revenue" in body
    assert "× 1.1" in body


def test_certification_requirements_come_before_revenue(client_for, acme_rep, gold):
    tiers = client_for(acme_rep).get(URL).context["tiers"]
    metrics = [r.metric for r in tiers[2].requirement_list]
    assert metrics == [M.CERTIFIED_SALES, M.CERTIFIED_TECHNICAL, M.SOURCED_REVENUE]


def test_the_partners_own_tier_is_marked(client_for, globex_admin, gold):
    response = client_for(globex_admin).get(URL)
    assert response.context["current_tier_id"] == gold.pk
    assert "your tier" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    assert "/accounts/login/" in client.get(URL)["Location"]


def test_no_tiers_shows_an_empty_state(client_for, ops):
    assert b"No tiers are configured yet" in client_for(ops).get(URL).content


def test_the_query_count_does_not_grow_with_tiers_or_requirements(
    client_for, ops, django_assert_max_num_queries
):
    def add(ranks):
        for rank in ranks:
            tier = TierFactory(rank=rank)
            TierRequirementFactory(tier=tier, metric=M.CERTIFIED_SALES)
            TierRequirementFactory(tier=tier, metric=M.SOURCED_REVENUE, threshold=1000)

    client = client_for(ops)
    add(range(1, 3))
    with django_assert_max_num_queries(10) as small:
        client.get(URL)
    add(range(3, 9))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(URL)
