"""Each computed criterion against a hand-computed quarter, missing data, weights, health and
the vendor's obligations."""

import datetime as dt
from decimal import Decimal

from deals.models import LeadOffer
from scorecards.cards import services
from scorecards.cards.criteria import Criterion, Health, Source
from scorecards.cards.models import Scorecard

from .conftest import checkin, deal, lead_offer, mdf_activity

C = Criterion


def _compute(partner, quarter):
    services.compute_scorecards([partner], quarter)
    return Scorecard.objects.get(partner=partner, quarter=quarter.label)


def _rows(card):
    return {row["criterion"]: row for row in card.criteria}


def test_each_measured_criterion_matches_the_hand_computed_quarter(measured_partner, quarter):
    rows = _rows(_compute(measured_partner, quarter))
    expected = {
        C.SOURCED_BOOKINGS: ("52000.00", "52.0"),
        C.INFLUENCED_BUSINESS: ("10000.00", "20.0"),
        C.REGISTERED_DEAL_FLOW: ("4", "66.7"),
        C.PIPELINE_HEALTH: ("75.0", "100.0"),
        C.SALES_EXPERTISE: ("2", "66.7"),
        C.TECHNICAL_EXPERTISE: ("2", "66.7"),
        C.GEOGRAPHIC_COVERAGE: ("3", "100.0"),
        C.INDUSTRY_COVERAGE: ("2", "66.7"),
        C.QUALITY_OF_DELIVERY: ("1", "50.0"),
    }
    for key, (value, score) in expected.items():
        assert (Decimal(rows[key]["value"]), rows[key]["score"]) == (Decimal(value), score), key


def test_missing_data_is_shown_as_missing_and_left_out_of_the_score(measured_partner, quarter):
    card = _compute(measured_partner, quarter)
    rows = _rows(card)
    # No MDF request ever, no lead offered, no rating yet: missing, not zero.
    for key in (C.JOINT_MARKETING, C.COMMUNICATION, C.CUSTOMER_SATISFACTION):
        assert rows[key]["missing"] is True and rows[key]["score"] is None, key
    # Weighted by hand over the nine measured criteria (weights 15,5,10,10,10,10,5,5,10 = 80):
    # (15×52 + 5×20 + 10×66.7 + 10×100 + 10×66.7 + 10×66.7 + 5×100 + 5×66.7 + 10×50) / 80
    assert card.score == Decimal("65.2")
    assert card.health == Health.AMBER


def test_a_partner_without_any_deal_is_not_scored_zero_on_deal_criteria(acme, quarter):
    rows = _rows(_compute(acme, quarter))
    for key in (
        C.SOURCED_BOOKINGS,
        C.REGISTERED_DEAL_FLOW,
        C.PIPELINE_HEALTH,
        C.GEOGRAPHIC_COVERAGE,
        C.INDUSTRY_COVERAGE,
    ):
        assert rows[key]["missing"] is True, key
    # Certifications are measured: nobody certified is a real zero.
    assert rows[C.SALES_EXPERTISE]["score"] == "0.0"


def test_nothing_measured_gives_no_score_and_unknown_health(acme, quarter, ops):
    template = services.ensure_default_template()
    services.save_template(
        actor=ops,
        template=template,
        name=template.name,
        business_model="",
        green_from=75,
        amber_from=50,
        criteria=[
            {
                "criterion": C.SOURCED_BOOKINGS,
                "source": Source.COMPUTED,
                "weight": 1,
                "target": Decimal(1000),
            }
        ],
    )
    card = _compute(acme, quarter)
    assert card.score is None and card.health == Health.UNKNOWN


def test_joint_marketing_counts_claims_approved_in_the_quarter(acme, acme_admin, quarter):
    mdf_activity(acme, acme_admin, quarter, approved_day=5, paid_day=20)
    mdf_activity(acme, acme_admin, quarter, approved_day=10, paid_day=60)  # paid late
    mdf_activity(acme, acme_admin, quarter.previous(), approved_day=10)  # an earlier quarter
    card = _compute(acme, quarter)
    row = _rows(card)[C.JOINT_MARKETING]
    assert (Decimal(row["value"]), row["score"]) == (Decimal(2), "100.0")
    assert card.obligations["mdf_payments"] == {"done": 1, "total": 2}


def test_communication_is_the_median_hours_to_answer_a_lead(acme, quarter):
    outcome = LeadOffer.Outcome
    lead_offer(acme, quarter, outcome=outcome.ACCEPTED, hours=6)
    lead_offer(acme, quarter, outcome=outcome.REJECTED, hours=30)
    lead_offer(acme, quarter, outcome=outcome.RECALLED, hours=None, window=48)  # lapsed: 48 hours
    card = _compute(acme, quarter)
    row = _rows(card)[C.COMMUNICATION]
    # Median of 6, 30 and 48 hours is 30; full marks at 24 hours or less: 24/30 = 80.
    assert (Decimal(row["value"]), row["score"]) == (Decimal(30), "80.0")
    assert card.obligations["leads_passed"] == 3


def test_vendor_obligations_check_ins_and_deal_decisions(acme, quarter):
    checkin(acme, quarter.start + dt.timedelta(days=5), held=True)
    checkin(acme, quarter.start + dt.timedelta(days=40), held=False)
    checkin(acme, quarter.end + dt.timedelta(days=5), held=False)  # next quarter
    late = deal(acme, quarter, status="approved")
    late.decided_at = late.sla_due_at + dt.timedelta(hours=1)
    late.save(update_fields=["decided_at"])
    deal(acme, quarter, status="approved")
    card = _compute(acme, quarter)
    assert card.obligations["checkins"] == {"done": 1, "total": 2}
    assert card.obligations["deal_decisions"] == {"done": 1, "total": 2}


def test_a_drafted_next_version_of_the_plan_does_not_count_its_check_ins_again(acme, quarter):
    from tests.enablement.factories_programs import PlanCheckInFactory, PlanFactory

    held = checkin(acme, quarter.start + dt.timedelta(days=5), held=True)
    draft = PlanFactory(partner=acme, status="draft", version=2)
    # A new version starts as a copy of the plan in force, its meetings included.
    PlanCheckInFactory(plan=draft, scheduled_on=held.scheduled_on, held_on=held.held_on)
    PlanCheckInFactory(plan=draft, scheduled_on=quarter.start + dt.timedelta(days=9))
    card = _compute(acme, quarter)
    assert card.obligations["checkins"] == {"done": 1, "total": 1}


def test_weights_change_the_score(measured_partner, quarter, ops):
    template = services.ensure_default_template()
    services.save_template(
        actor=ops,
        template=template,
        name="Bookings and references",
        business_model="",
        green_from=60,
        amber_from=40,
        criteria=[
            {
                "criterion": C.SOURCED_BOOKINGS,
                "source": Source.COMPUTED,
                "weight": 3,
                "target": Decimal(100000),
            },
            {
                "criterion": C.QUALITY_OF_DELIVERY,
                "source": Source.COMPUTED,
                "weight": 1,
                "target": Decimal(1),
            },
        ],
    )
    card = _compute(measured_partner, quarter)
    # (3 × 52 + 1 × 100) / 4 = 64.0: green from 60 on this template.
    assert card.score == Decimal("64.0")
    assert (card.health, card.green_from, card.amber_from) == (Health.GREEN, 60, 40)


def test_a_business_model_template_applies_to_its_partners(acme, globex, quarter, ops):
    services.save_template(
        actor=ops,
        template=None,
        name="MSP",
        business_model="msp",
        green_from=80,
        amber_from=60,
        criteria=[{"criterion": C.CUSTOMER_SATISFACTION, "source": Source.RATED, "weight": 1}],
    )
    services.compute_scorecards([acme, globex], quarter)
    cards = {c.partner_id: c for c in Scorecard.objects.filter(quarter=quarter.label)}
    assert cards[globex.pk].template_name == "MSP"
    assert [r["criterion"] for r in cards[globex.pk].criteria] == [C.CUSTOMER_SATISFACTION]
    assert len(cards[acme.pk].criteria) == 12


def test_health_thresholds():
    from scorecards.cards.criteria import health_of

    assert health_of(Decimal(75), green_from=75, amber_from=50) == Health.GREEN
    assert health_of(Decimal("74.9"), green_from=75, amber_from=50) == Health.AMBER
    assert health_of(Decimal(50), green_from=75, amber_from=50) == Health.AMBER
    assert health_of(Decimal("49.9"), green_from=75, amber_from=50) == Health.RED
    assert health_of(None, green_from=75, amber_from=50) == Health.UNKNOWN


def test_computing_is_set_based_queries_do_not_grow_with_partners(acme, globex, distri, quarter):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import PartnerFactory

    services.compute_scorecards([acme], quarter)  # the default template is created once
    with CaptureQueriesContext(connection) as one:
        services.compute_scorecards([globex], quarter)
    many = [distri, *(PartnerFactory(display_name=f"P{n}") for n in range(5))]
    for partner in many:
        deal(partner, quarter, status="won", amount="1000")
    with CaptureQueriesContext(connection) as six:
        services.compute_scorecards(many, quarter)
    assert len(six.captured_queries) == len(one.captured_queries)
