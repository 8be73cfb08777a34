"""Tier requirements measured from enablement data: people by kind, every office, every region,
specialty certifications, reference implementations, and metrics nobody measures yet."""

import datetime as dt
from decimal import Decimal

import pytest

from enablement.models import Certification, ReferenceImplementation
from partners.models import TierRequirement
from partners.tier_lapse import would_break_tier
from partners.tier_progress import evaluate_tier, register_metric, standing
from tests.factories import (
    MembershipFactory,
    OfficeFactory,
    PartnerFactory,
    TierFactory,
    TierRequirementFactory,
    UserFactory,
)

from .factories import CertificationFactory, PersonCertificationFactory, ReferenceFactory

Metric = TierRequirement.Metric
TODAY = dt.date.today()


def certify(partner, *, kind="sales", office=None, earned_days_ago=30, user=None, cert=None):
    user = user or MembershipFactory(partner=partner, office=office).user
    cert = cert or CertificationFactory(code=f"{kind}-basic", kind=kind)
    return PersonCertificationFactory(
        user=user,
        partner=partner,
        office=office,
        certification=cert,
        earned_on=TODAY - dt.timedelta(days=earned_days_ago),
    )


def by_metric(tier_standing):
    return {r.metric: r for r in tier_standing.requirements}


@pytest.fixture
def gold(db):
    return TierFactory(rank=30, name="Platinum")


def test_people_count_once_per_kind_and_the_gap_is_spelled_out(db, gold):
    partner = PartnerFactory()
    TierRequirementFactory(tier=gold, metric=Metric.CERTIFIED_DEVELOPERS, threshold=3)
    TierRequirementFactory(tier=gold, metric=Metric.CERTIFIED_SALES, threshold=1)
    developer = certify(partner, kind="developer").user
    certify(partner, kind="developer", user=developer, cert=CertificationFactory(kind="developer"))
    certify(partner, kind="sales")
    certify(partner, kind="developer", earned_days_ago=800)  # expired long ago: does not count

    rows = by_metric(evaluate_tier(partner, gold))

    developers = rows[Metric.CERTIFIED_DEVELOPERS]
    assert (developers.value, developers.met) == (Decimal(1), False)
    assert developers.missing == ["2 more certified developers"]
    assert rows[Metric.CERTIFIED_SALES].met
    assert rows[Metric.CERTIFIED_SALES].missing == []


def test_every_office_needs_a_certified_person_and_the_missing_one_is_named(db, gold):
    partner = PartnerFactory()
    paris = OfficeFactory(partner=partner, name="Paris", region="EMEA")
    OfficeFactory(partner=partner, name="Lyon", region="EMEA")
    certify(partner, office=paris)
    TierRequirementFactory(tier=gold, metric=Metric.CERTIFIED_PER_OFFICE, threshold=1)

    row = by_metric(evaluate_tier(partner, gold))[Metric.CERTIFIED_PER_OFFICE]

    assert not row.met
    assert row.units_short == ["Lyon"]
    assert row.missing == ["no certified person in office Lyon"]


def test_per_office_threshold_above_one_reports_how_many_are_there(db, gold):
    partner = PartnerFactory()
    paris = OfficeFactory(partner=partner, name="Paris", region="EMEA")
    certify(partner, office=paris)
    TierRequirementFactory(tier=gold, metric=Metric.CERTIFIED_PER_OFFICE, threshold=2)
    row = by_metric(evaluate_tier(partner, gold))[Metric.CERTIFIED_PER_OFFICE]
    assert row.missing == ["1 of 2 certified people in office Paris"]


def test_every_office_covered_meets_the_requirement(db, gold):
    partner = PartnerFactory()
    for name in ("Paris", "Lyon"):
        certify(partner, office=OfficeFactory(partner=partner, name=name, region="EMEA"))
    TierRequirementFactory(tier=gold, metric=Metric.CERTIFIED_PER_OFFICE, threshold=1)
    row = by_metric(evaluate_tier(partner, gold))[Metric.CERTIFIED_PER_OFFICE]
    assert row.met and row.value == Decimal(1)


def test_every_region_served_needs_a_certified_person(db, gold):
    partner = PartnerFactory(hq_country="US", regions_served=["NA", "EMEA", "APAC"])
    certify(partner, office=OfficeFactory(partner=partner, name="Berlin", region="EMEA"))
    certify(partner)  # no office: serves the headquarters' region, North America
    TierRequirementFactory(tier=gold, metric=Metric.CERTIFIED_PER_REGION, threshold=1)

    row = by_metric(evaluate_tier(partner, gold))[Metric.CERTIFIED_PER_REGION]

    assert not row.met
    assert row.missing == ["no certified person serving APAC"]


def test_specialty_requirement_counts_distinct_specialties(db, gold):
    partner = PartnerFactory()
    security = CertificationFactory(code="sec", kind=Certification.Kind.SPECIALTY)
    certify(partner, cert=security)
    certify(partner, cert=security)
    TierRequirementFactory(tier=gold, metric=Metric.SPECIALTY_CERTIFICATIONS, threshold=2)
    row = by_metric(evaluate_tier(partner, gold))[Metric.SPECIALTY_CERTIFICATIONS]
    assert (row.value, row.missing) == (Decimal(1), ["1 more specialty certification"])


def test_only_approved_references_of_the_last_twelve_months_count(db, gold):
    partner = PartnerFactory()
    approved = ReferenceImplementation.Status.APPROVED
    ReferenceFactory(partner=partner, status=approved, completed_on=TODAY - dt.timedelta(days=30))
    ReferenceFactory(partner=partner, status=approved, completed_on=TODAY - dt.timedelta(days=400))
    ReferenceFactory(partner=partner, completed_on=TODAY - dt.timedelta(days=10))  # submitted
    ReferenceFactory(
        partner=partner,
        status=ReferenceImplementation.Status.REJECTED,
        completed_on=TODAY - dt.timedelta(days=10),
    )
    TierRequirementFactory(tier=gold, metric=Metric.REFERENCE_IMPLEMENTATIONS, threshold=2)

    row = by_metric(evaluate_tier(partner, gold))[Metric.REFERENCE_IMPLEMENTATIONS]
    assert (row.value, row.met) == (Decimal(1), False)
    assert row.missing == ["1 more approved reference implementation"]

    ReferenceFactory(partner=partner, status=approved, completed_on=TODAY - dt.timedelta(days=200))
    assert by_metric(evaluate_tier(partner, gold))[Metric.REFERENCE_IMPLEMENTATIONS].met


def test_a_metric_without_a_provider_is_not_measured_yet_and_not_met(db, gold, monkeypatch):
    from partners import tier_progress

    monkeypatch.delitem(tier_progress._PROVIDERS, Metric.SOURCED_REVENUE, raising=False)
    partner = PartnerFactory()
    TierRequirementFactory(tier=gold, metric=Metric.SOURCED_REVENUE, threshold=100000)
    row = by_metric(evaluate_tier(partner, gold))[Metric.SOURCED_REVENUE]
    assert (row.measured, row.met, row.value) == (False, False, None)
    assert row.missing == ["not measured yet"]


def test_a_registered_provider_replaces_not_measured(db, gold, monkeypatch):
    from partners import tier_progress

    monkeypatch.setattr(tier_progress, "_PROVIDERS", dict(tier_progress._PROVIDERS))
    monkeypatch.setattr(tier_progress, "_MANY", dict(tier_progress._MANY))
    monkeypatch.setattr(tier_progress, "_TOGETHER", dict(tier_progress._TOGETHER))
    register_metric(Metric.WON_DEALS, lambda partner, *, as_of=None: Decimal(3))
    TierRequirementFactory(tier=gold, metric=Metric.WON_DEALS, threshold=5)
    row = by_metric(evaluate_tier(PartnerFactory(), gold))[Metric.WON_DEALS]
    assert row.measured and row.missing == ["2 more won deals"]


def test_unknown_metrics_cannot_be_registered():
    with pytest.raises(ValueError, match="Unknown tier metric"):
        register_metric("vanity", lambda partner, *, as_of=None: Decimal(0))


def test_standing_covers_the_current_and_the_next_tier(db):
    silver = TierFactory(rank=20, name="Silver+")
    gold = TierFactory(rank=21, name="Gold+")
    TierRequirementFactory(tier=silver, metric=Metric.CERTIFIED_SALES, threshold=1)
    TierRequirementFactory(tier=gold, metric=Metric.CERTIFIED_SALES, threshold=2)
    TierRequirementFactory(tier=gold, metric=Metric.SOURCED_REVENUE, threshold=1000, position=0)
    partner = PartnerFactory(tier=silver)
    certify(partner)

    result = standing(partner)

    assert (result.current.tier, result.current.met) == (silver, True)
    assert result.next.tier == gold and not result.next.met
    # Commitment first: certification criteria precede revenue whatever their position.
    assert [r.metric for r in result.next.requirements] == [
        Metric.CERTIFIED_SALES,
        Metric.SOURCED_REVENUE,
    ]


def test_a_partner_at_the_top_has_no_next_tier(db):
    top = TierFactory(rank=99, name="Top")
    assert standing(PartnerFactory(tier=top)).next is None


def test_would_break_tier_names_requirements_the_lapse_breaks(db, gold):
    partner = PartnerFactory(tier=gold)
    TierRequirementFactory(tier=gold, metric=Metric.CERTIFIED_SALES, threshold=1)
    TierRequirementFactory(tier=gold, metric=Metric.CERTIFIED_TECHNICAL, threshold=1)
    sole = certify(partner, kind="sales")
    certify(partner, kind="technical")

    broken = would_break_tier(partner, sole)
    assert [r.metric for r in broken] == [Metric.CERTIFIED_SALES]

    # A colleague holding the same kind beyond that day keeps the requirement met.
    certify(partner, kind="sales", earned_days_ago=1)
    assert would_break_tier(partner, sole) == []


def test_would_break_tier_is_empty_without_a_tier(db):
    partner = PartnerFactory(tier=None)
    assert would_break_tier(partner, certify(partner)) == []


def test_a_person_is_counted_where_their_certification_was_recorded(db, gold):
    """Certifications of another partner never count, even for the same person."""
    partner, other = PartnerFactory(), PartnerFactory()
    user = UserFactory()
    MembershipFactory(user=user, partner=partner)
    MembershipFactory(user=user, partner=other)
    certify(other, user=user)
    TierRequirementFactory(tier=gold, metric=Metric.CERTIFIED_SALES, threshold=1)
    assert not evaluate_tier(partner, gold).met


def test_would_break_tier_per_office_only_blames_the_office_it_leaves_empty(db, gold):
    partner = PartnerFactory(tier=gold)
    paris = OfficeFactory(partner=partner, name="Paris", region="EMEA")
    lyon = OfficeFactory(partner=partner, name="Lyon", region="EMEA")
    TierRequirementFactory(tier=gold, metric=Metric.CERTIFIED_PER_OFFICE, threshold=1)
    paris_only = certify(partner, office=paris)
    lyon_first = certify(partner, office=lyon)
    certify(partner, office=lyon, earned_days_ago=1)  # a Lyon colleague stays certified longer

    assert [r.metric for r in would_break_tier(partner, paris_only)] == [
        Metric.CERTIFIED_PER_OFFICE
    ]
    assert would_break_tier(partner, lyon_first) == []


def test_someone_who_has_left_stops_counting_toward_the_tier(db, gold, ops):
    from enablement.metrics import certification_metrics_many
    from enablement.selectors import team_certifications
    from partners.models import PartnerMembership
    from partners.services import remove_member

    partner = PartnerFactory()
    MembershipFactory(partner=partner, role=PartnerMembership.Role.ADMIN)
    TierRequirementFactory(tier=gold, metric=Metric.CERTIFIED_DEVELOPERS, threshold=2)
    staying = certify(partner, kind="developer")
    leaving = certify(partner, kind="developer")
    assert by_metric(evaluate_tier(partner, gold))[Metric.CERTIFIED_DEVELOPERS].value == 2

    remove_member(
        membership=PartnerMembership.objects.get(user=leaving.user, partner=partner), actor=ops
    )

    # The page's measure and the review's (many partners at once) agree.
    assert by_metric(evaluate_tier(partner, gold))[Metric.CERTIFIED_DEVELOPERS].value == 1
    together = certification_metrics_many([Metric.CERTIFIED_DEVELOPERS], [partner])
    assert together[Metric.CERTIFIED_DEVELOPERS][partner.pk] == 1
    assert list(team_certifications(partner)) == [staying]
