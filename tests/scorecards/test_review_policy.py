"""The review policy: certification-weighted qualification, promote / hold / demote, and the
grace period of one review below requirements."""

from decimal import Decimal

from partners.tier_progress import standings_many
from scorecards.models import TierProposal
from scorecards.review.policy import Weights, program_snapshot, propose

from .fixtures import won

Action = TierProposal.Action


def _propose(partner, program, *, previous_misses=0, weights=None, as_of=None):
    tiers = list(program.values())
    standings = standings_many([partner], tiers, as_of=as_of)[partner.pk]
    return propose(
        current=partner.tier,
        standings=standings,
        tiers=tiers,
        previous_misses=previous_misses,
        weights=weights or Weights(),
    )


def test_a_small_highly_certified_partner_reaches_gold_without_the_revenue(make_partner, program):
    partner = make_partner("registered", sales=3, technical=2, developers=2)

    draft = _propose(partner, program)

    assert draft.action == Action.PROMOTE
    assert draft.proposed_tier == program["gold"]
    # 27 of 28 weighted points: only the revenue criterion (weight 1 × 1) is missing.
    assert draft.score == Decimal("96.4")
    assert "Meets Gold" in draft.reasons[0]
    assert draft.metrics["metrics"]["certified_developers"] == "2"
    assert draft.metrics["tiers"]["Gold"]["qualifies"] is True
    assert draft.metrics["tiers"]["Gold"]["unmet"] == ["sourced_revenue"]
    assert program_snapshot(list(program.values()))["Gold"]["thresholds"] == {
        "certified_sales": "3",
        "certified_technical": "2",
        "certified_developers": "2",
        "sourced_revenue": "250000",
    }


def test_revenue_without_certified_people_does_not_earn_a_tier(make_partner, program):
    partner = make_partner("registered", sales=1)
    won(partner, "900000.00", days_ago=120)

    draft = _propose(partner, program)

    assert draft.action == Action.HOLD
    assert draft.qualified_tier == program["registered"]


def test_revenue_counts_when_ops_weigh_it_and_waive_certifications(make_partner, program):
    partner = make_partner("registered", sales=2)
    won(partner, "900000.00", days_ago=120)
    weights = Weights(revenue=20, certifications_required=False, qualifying_percent=60)
    # Silver: sales 9 + revenue 20 = 29 of 32 points met; the technical person is missing.
    assert _propose(partner, program, weights=weights).proposed_tier == program["silver"]


def test_meeting_the_current_tier_holds(make_partner, program):
    partner = make_partner("silver", sales=2, technical=1)
    draft = _propose(partner, program)
    assert (draft.action, draft.below_requirements, draft.warned) == (Action.HOLD, False, False)
    assert "Still meets Silver" in draft.reasons[0]


def test_the_first_review_below_requirements_warns_and_holds(make_partner, program):
    partner = make_partner("gold", sales=3, technical=1)
    draft = _propose(partner, program)
    assert (draft.action, draft.warned, draft.misses) == (Action.HOLD, True, 1)
    assert draft.proposed_tier == program["gold"]
    assert draft.qualified_tier == program["silver"]
    assert "Below Gold requirements" in draft.reasons[0]
    assert "1 more certified technical person" in draft.reasons[0]
    assert "Grace period" in draft.reasons[1]
    # The score is Gold's, the tier it falls short of, not Silver's, which it meets: 9 of 28
    # weighted points (certified sales people, weight 3 × 3; the other certifications and the
    # revenue are missing), as the reason says.
    assert draft.score == Decimal("32.1") and "weighted 32.1%" in draft.reasons[0]


def test_the_second_review_below_requirements_proposes_the_demotion(make_partner, program):
    partner = make_partner("gold", sales=2, technical=1)
    draft = _propose(partner, program, previous_misses=1)
    assert (draft.action, draft.warned, draft.misses) == (Action.DEMOTE, False, 2)
    assert draft.proposed_tier == program["silver"]
    assert draft.score == Decimal("0.0")  # against Gold, which it is leaving


def test_a_longer_grace_period_is_a_program_setting(make_partner, program):
    partner = make_partner("gold", sales=2, technical=1)
    draft = _propose(partner, program, previous_misses=1, weights=Weights(grace_reviews=2))
    assert (draft.action, draft.warned) == (Action.HOLD, True)


def test_demotion_never_goes_below_the_entry_tier(make_partner, program):
    partner = make_partner("silver")  # nobody certified: meets no tier at all
    draft = _propose(partner, program, previous_misses=1)
    assert draft.action == Action.DEMOTE
    assert draft.proposed_tier == program["registered"]
    entry = make_partner("registered")
    assert _propose(entry, program, previous_misses=3).action == Action.HOLD


def test_a_partner_without_a_tier_is_promoted_into_the_first_it_meets(make_partner, program):
    assert _propose(make_partner(None, sales=1), program).proposed_tier == program["registered"]
    assert _propose(make_partner(None), program).action == Action.HOLD
