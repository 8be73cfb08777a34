"""The set-based measure of every tier metric gives, partner by partner, what the per-partner
measure gives, on a varied program, in a number of queries that does not grow with partners."""

import datetime as dt
from decimal import Decimal

import pytest

from enablement.metrics import TOGETHER, certification_metrics_many
from partners import tier_progress
from partners.models import Partner, TierRequirement
from partners.tier_progress import (
    evaluate_tier,
    many_provider_for,
    measure_many,
    measure_many_metrics,
    provider_for,
    register_metric,
    standings_many,
)
from prm.exceptions import DomainError
from scorecards.review.measuring import PartnerRow
from tests.factories import OfficeFactory, PartnerFactory, TierFactory, TierRequirementFactory

from .fixtures import TODAY, Kind, certify, varied_partners, won

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


@pytest.mark.django_db(transaction=True)
def test_metrics_measured_side_by_side_agree_with_each_measured_alone():
    # Outside a transaction the measures run at once on their own connections (PostgreSQL).
    partners = varied_partners()

    together = measure_many_metrics(Metric.values, partners, as_of=TODAY)

    for metric in Metric.values:
        alone = measure_many(metric, partners, as_of=TODAY)
        assert {pk: _comparable(v) for pk, v in together[metric].items()} == {
            pk: _comparable(v) for pk, v in alone.items()
        }, metric


def _rows(partners) -> list[PartnerRow]:
    return [PartnerRow(p.pk, p.tier_id, p.regions_served, p.hq_country) for p in partners]


@pytest.mark.parametrize("days_back", [0, 365])
def test_the_set_based_measures_read_of_a_partner_only_what_a_row_holds(db, days_back):
    # The tier review measures rows of a few fields, not partners: a measure reading another
    # field would fail on them.
    partners = _more_varied_partners()
    as_of = TODAY - dt.timedelta(days=days_back)

    from_rows = measure_many_metrics(Metric.values, _rows(partners), as_of=as_of)

    for metric, measured in measure_many_metrics(Metric.values, partners, as_of=as_of).items():
        assert {pk: _comparable(v) for pk, v in from_rows[metric].items()} == {
            pk: _comparable(v) for pk, v in measured.items()
        }, metric


def test_a_metric_measured_only_per_partner_gets_the_partners_of_rows(db, monkeypatch):
    for registry in ("_PROVIDERS", "_MANY", "_TOGETHER"):
        monkeypatch.setattr(tier_progress, registry, dict(getattr(tier_progress, registry)))
    register_metric(  # reads a field no row holds
        Metric.WON_DEALS, lambda partner, *, as_of=None: Decimal(len(partner.display_name))
    )
    partners = varied_partners()

    measured = measure_many(Metric.WON_DEALS, _rows(partners))

    assert measured == {p.pk: Decimal(len(p.display_name)) for p in partners}


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


def _more_varied_partners() -> list:
    """The varied program plus a partner certified in a region it does not serve, one person
    certified in two regions, and a partner serving a region nobody else serves."""
    partners = varied_partners()
    roaming = PartnerFactory(display_name="Roaming", hq_country="BR", regions_served=["LATAM"])
    tokyo = OfficeFactory(partner=roaming, name="Tokyo", region="APAC", country="JP")
    person = certify(roaming, Kind.SALES, office=tokyo).user  # serves APAC: not counted
    certify(roaming, Kind.TECHNICAL, user=person, code="tech-basic")  # no office: LATAM
    certify(roaming, Kind.SPECIALTY, user=person, code="spec-sec", days_ago=60)
    return [*partners, roaming]


@pytest.mark.parametrize("days_back", [0, 60, 365])
def test_certification_metrics_measured_together_agree_with_each_per_partner_measure(db, days_back):
    partners = _more_varied_partners()
    as_of = TODAY - dt.timedelta(days=days_back)

    together = certification_metrics_many(TOGETHER, partners, as_of=as_of)

    assert set(together) == TOGETHER
    for metric in TOGETHER:
        assert set(together[metric]) == {p.pk for p in partners}
        for partner in partners:
            alone = _per_partner(metric, partner, as_of)
            assert together[metric][partner.pk] == alone, (metric, partner, days_back)


@pytest.mark.parametrize(
    "metrics",
    [
        {Metric.CERTIFIED_PER_REGION},
        {Metric.SPECIALTY_CERTIFICATIONS, Metric.CERTIFIED_DEVELOPERS},
        {Metric.CERTIFIED_SALES, Metric.CERTIFIED_PER_REGION},
    ],
    ids=lambda metrics: "+".join(sorted(metrics)),
)
def test_any_few_certification_metrics_measured_together_agree_with_measuring_each(db, metrics):
    partners = _more_varied_partners()

    together = certification_metrics_many(metrics, partners)

    assert together == {metric: measure_many(metric, partners) for metric in metrics}


def test_certification_metrics_are_measured_together_in_one_query(db, django_assert_num_queries):
    partners = list(Partner.objects.filter(pk__in=[p.pk for p in _more_varied_partners()]))
    asked = [*TOGETHER, Metric.REFERENCE_IMPLEMENTATIONS]

    with django_assert_num_queries(2):  # the certification metrics, then the references
        measured = measure_many_metrics(asked, partners)

    assert measured == {metric: measure_many(metric, partners) for metric in asked}


def test_a_metric_registered_again_alone_leaves_the_combined_measure(db, monkeypatch):
    for registry in ("_PROVIDERS", "_MANY", "_TOGETHER"):
        monkeypatch.setattr(tier_progress, registry, dict(getattr(tier_progress, registry)))
    register_metric(
        Metric.CERTIFIED_SALES,
        lambda partner, *, as_of=None: Decimal(7),
        many=lambda partners, *, as_of=None: {p.pk: Decimal(7) for p in partners},
    )
    partners = _more_varied_partners()

    measured = measure_many_metrics(TOGETHER, partners)

    assert set(measured[Metric.CERTIFIED_SALES].values()) == {Decimal(7)}
    assert measured[Metric.CERTIFIED_DEVELOPERS][partners[0].pk] == Decimal(2)
