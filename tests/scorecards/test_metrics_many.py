"""The set-based measure of every tier metric gives, partner by partner, what the per-partner
measure gives, on a varied program, in a number of queries that does not grow with partners."""

import datetime as dt
from decimal import Decimal

import pytest

from partners.models import Partner, TierRequirement
from partners.tier_progress import (
    evaluate_tier,
    many_provider_for,
    measure_many,
    provider_for,
    standings_many,
)
from prm.exceptions import DomainError
from tests.factories import PartnerFactory, TierFactory, TierRequirementFactory

from .fixtures import TODAY, certify, varied_partners, won

Metric = TierRequirement.Metric


def _per_partner(metric, partner, as_of):
    try:
        return provider_for(metric)(partner, as_of=as_of)
    except DomainError as exc:
        return exc


def _comparable(value):
    return ("error", value.message) if isinstance(value, DomainError) else value


@pytest.mark.parametrize("metric", Metric.values)
@pytest.mark.parametrize("days_back", [0, 60, 365])
def test_set_based_and_per_partner_measures_agree(db, metric, days_back):
    partners = varied_partners()
    as_of = TODAY - dt.timedelta(days=days_back)
    assert many_provider_for(metric) is not None, f"{metric} has no set-based measure"

    together = measure_many(metric, partners, as_of=as_of)

    assert set(together) == {p.pk for p in partners}
    for partner in partners:
        alone = _per_partner(metric, partner, as_of)
        assert _comparable(together[partner.pk]) == _comparable(alone), (metric, partner)


def test_the_fixture_is_varied_enough_to_tell_metrics_apart(db):
    small, offices, big, empty = varied_partners()
    values = {m: measure_many(m, [small, offices, big, empty]) for m in Metric.values}
    assert values[Metric.CERTIFIED_SALES][small.pk] == Decimal(2)
    assert values[Metric.CERTIFIED_DEVELOPERS][small.pk] == Decimal(2)
    assert values[Metric.CERTIFIED_DEVELOPERS][offices.pk] == Decimal(0)
    assert values[Metric.SPECIALTY_CERTIFICATIONS][small.pk] == Decimal(2)
    assert values[Metric.CERTIFIED_PER_OFFICE][offices.pk]["counts"] == {
        "Lyon": Decimal(0),
        "Paris": Decimal(1),
    }
    assert values[Metric.CERTIFIED_PER_REGION][offices.pk]["counts"] == {
        "NA": Decimal(1),
        "EMEA": Decimal(1),
    }
    assert values[Metric.SOURCED_REVENUE][offices.pk] == Decimal("72000.00")
    assert isinstance(values[Metric.SOURCED_REVENUE][big.pk], DomainError)
    assert values[Metric.WON_DEALS][offices.pk] == Decimal(3)
    assert values[Metric.REFERENCE_IMPLEMENTATIONS][small.pk] == Decimal(1)
    assert values[Metric.REFERENCE_IMPLEMENTATIONS][offices.pk] == Decimal(0)
    assert values[Metric.SOURCED_REVENUE][empty.pk] == Decimal("0.00")


def test_standings_many_matches_evaluate_tier_for_every_partner_and_tier(db):
    partners = varied_partners()
    silver = TierFactory(rank=2, name="Silver")
    gold = TierFactory(rank=3, name="Gold")
    for position, metric in enumerate(Metric.values):
        TierRequirementFactory(tier=gold, metric=metric, threshold=2, position=position)
    TierRequirementFactory(tier=silver, metric=Metric.CERTIFIED_SALES, threshold=1)
    TierRequirementFactory(tier=silver, metric=Metric.SOURCED_REVENUE, threshold=5000)

    together = standings_many(partners, [silver, gold])

    for partner in partners:
        for tier in (silver, gold):
            alone = evaluate_tier(partner, tier)
            assert together[partner.pk][tier.pk] == alone


def test_measuring_more_partners_takes_no_more_queries(db, django_assert_max_num_queries):
    gold = TierFactory(rank=3, name="Gold")
    for position, metric in enumerate(Metric.values):
        TierRequirementFactory(tier=gold, metric=metric, threshold=1, position=position)
    for _i in range(12):
        partner = PartnerFactory()
        certify(partner)
        won(partner, "100.00")
    partners = list(Partner.objects.all())
    # One grouped query per metric (two for offices), plus rates, offices and requirements.
    with django_assert_max_num_queries(15):
        standings_many(partners, [gold])
