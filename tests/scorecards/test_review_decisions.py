"""Ops' decisions on a review's proposals, one by one and in bulk, and applying them with an
effective date: tier history, audit rows and notifications follow; demotions always wait for
approval, and a partner whose tier changed since is refused."""

import datetime as dt

import pytest
from django.db import connection

from partners.models import TierHistory
from prm.audit import AuditEvent
from prm.models import Notification
from scorecards.models import TierProposal, TierReview, TierReviewSettings
from scorecards.review import decisions
from scorecards.review.decisions import ReasonRequired, ReviewError

from .reviews import proposal_of, review_now

Action = TierProposal.Action


def test_approving_and_applying_a_promotion_with_an_effective_date(
    ops, quarter, make_partner, program
):
    partner = make_partner("registered", sales=3, technical=2, developers=2)
    review = review_now(quarter, ops)
    proposal = proposal_of(review, partner)

    with pytest.raises(ReviewError, match="Approve or override"):
        decisions.apply_proposals(proposals=[proposal], actor=ops)
    decisions.decide_proposal(proposal=proposal, actor=ops, approve=True)
    effective = review.effective_on + dt.timedelta(days=14)
    decisions.apply_proposals(proposals=[proposal], actor=ops, effective_on=effective)

    partner.refresh_from_db()
    assert partner.tier == program["gold"]
    history = list(TierHistory.objects.filter(partner=partner).order_by("effective_from"))
    assert history[-1].tier == program["gold"]
    assert (history[-1].effective_from, history[-1].effective_to) == (effective, None)
    proposal.refresh_from_db()
    assert proposal.is_applied and proposal.effective_on == effective
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"tier_proposal.approved", "tier_proposal.applied", "partner.tier_changed"} <= verbs
    admin = partner.memberships.get(role="admin").user
    note = Notification.objects.get(user=admin, kind=decisions.KIND_CHANGED)
    assert "Gold" in note.title and "Roadmap briefings" in note.body
    with pytest.raises(ReviewError, match="applied already"):
        decisions.apply_proposals(proposals=[proposal], actor=ops)
    with pytest.raises(ReviewError, match="applied already"):
        decisions.decide_proposal(proposal=proposal, actor=ops, approve=True)


def test_an_override_needs_a_reason_and_applies_the_chosen_tier(
    ops, quarter, make_partner, program
):
    partner = make_partner("gold", sales=2, technical=1)
    review_now(quarter.previous(), ops)
    review = review_now(quarter, ops)
    proposal = proposal_of(review, partner)
    assert proposal.action == Action.DEMOTE

    with pytest.raises(ReasonRequired):
        decisions.decide_proposal(proposal=proposal, actor=ops, approve=False, reason="  ")
    decisions.decide_proposal(
        proposal=proposal, actor=ops, approve=False, reason="Strategic account: keep Gold"
    )
    decisions.apply_proposals(proposals=[proposal], actor=ops)

    partner.refresh_from_db()
    assert partner.tier == program["gold"]  # kept
    proposal.refresh_from_db()
    assert proposal.decision == TierProposal.Decision.OVERRIDDEN and proposal.is_applied
    event = AuditEvent.objects.get(verb="tier_proposal.overridden")
    assert event.reason == "Strategic account: keep Gold" and event.actor == ops


def test_bulk_decisions_are_all_or_nothing(ops, quarter, make_partner, program):
    a = make_partner("registered", sales=2, technical=1, name="A")
    b = make_partner("registered", sales=2, technical=1, name="B")
    review = review_now(quarter, ops)
    proposals = list(review.proposals.all())
    decisions.decide_proposals(proposals=proposals, actor=ops, approve=True)
    assert decisions.apply_proposals(proposals=proposals, actor=ops) == 2
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.tier == b.tier == program["silver"]


def test_demotions_always_wait_for_approval_even_with_automatic_promotions(
    ops, quarter, make_partner, program
):
    TierReviewSettings.objects.update_or_create(pk=1, defaults={"auto_apply_promotions": True})
    up = make_partner("registered", sales=2, technical=1)
    up_too = make_partner("registered", sales=3, technical=2, developers=2, name="Up too")
    down = make_partner("gold")
    earlier = review_now(quarter.previous(), ops)
    up.refresh_from_db()
    assert up.tier == program["silver"]  # promoted by the earlier review, automatically
    history = TierHistory.objects.get(partner=up, effective_to__isnull=True)
    assert history.effective_from == quarter.previous().end + dt.timedelta(days=1)
    up_too.refresh_from_db()
    assert up_too.tier == program["gold"]
    for partner in (up, up_too):
        proposal = proposal_of(earlier, partner)
        assert proposal.is_applied and proposal.decision == TierProposal.Decision.APPROVED
        verbs = list(
            AuditEvent.objects.for_object(proposal).order_by("pk").values_list("verb", flat=True)
        )
        assert verbs == ["tier_proposal.approved", "tier_proposal.applied"]

    review = review_now(quarter, ops)
    demotion = proposal_of(review, down)
    assert demotion.action == Action.DEMOTE and not demotion.is_applied
    down.refresh_from_db()
    assert down.tier == program["gold"]


def test_a_reviews_tiers_cannot_start_before_its_effective_date(
    ops, quarter, make_partner, program
):
    from scorecards.review.applying import start_application

    partner = make_partner("registered", sales=3, technical=2, developers=2)
    review = review_now(quarter, ops)
    proposal = proposal_of(review, partner)
    decisions.decide_proposal(proposal=proposal, actor=ops, approve=True)
    for backdated in (dt.date(1999, 1, 1), review.effective_on - dt.timedelta(days=1)):
        with pytest.raises(ReviewError, match=f"start on {review.effective_on} or later"):
            decisions.apply_proposals(proposals=[proposal], actor=ops, effective_on=backdated)
        with pytest.raises(ReviewError, match=f"start on {review.effective_on} or later"):
            start_application(
                review=review, proposals=[proposal], actor=ops, effective_on=backdated
            )
    partner.refresh_from_db()
    assert partner.tier == program["registered"]
    proposal.refresh_from_db()
    assert not proposal.is_applied


def test_a_tier_cannot_start_before_the_current_one(ops, make_partner, program):
    from partners.exceptions import PartnerError
    from partners.services import set_partner_tier

    partner = make_partner("registered", sales=1)
    since = dt.date(2026, 10, 1)
    set_partner_tier(
        partner=partner, tier=program["silver"], actor=ops, reason="Start", effective_from=since
    )
    with pytest.raises(PartnerError, match=f"current tier from {since}"):
        set_partner_tier(
            partner=partner,
            tier=program["gold"],
            actor=ops,
            reason="Backdated",
            effective_from=since - dt.timedelta(days=1),
        )
    assert TierHistory.objects.get(partner=partner, effective_to=None).effective_from == since
    set_partner_tier(
        partner=partner, tier=program["gold"], actor=ops, reason="Same day", effective_from=since
    )


def test_applying_refuses_a_partner_whose_tier_changed_since(ops, quarter, make_partner, program):
    from partners.services import set_partner_tier

    partner = make_partner("registered", sales=2, technical=1)
    review = review_now(quarter, ops)
    proposal = proposal_of(review, partner)
    decisions.decide_proposal(proposal=proposal, actor=ops, approve=True)
    set_partner_tier(partner=partner, tier=program["gold"], actor=ops, reason="Manual")
    with pytest.raises(ReviewError, match="changed tier"):
        decisions.apply_proposals(proposals=[proposal], actor=ops)


def test_a_bulk_decision_is_one_update_whatever_the_number_of_proposals(
    ops, quarter, make_partner, program
):
    for name in ("A", "B", "C", "D", "E"):
        make_partner("registered", sales=2, technical=1, name=name)
    review = review_now(quarter, ops)
    proposals = list(review.proposals.order_by("pk"))
    decisions.decide_proposals(proposals=proposals[:1], actor=ops, approve=True)
    decisions.apply_proposals(proposals=proposals[:1], actor=ops)
    queries = []

    def counted(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        two = decisions.decide_proposals(
            proposals=proposals[1:3], actor=ops, approve=False, reason="Hold", tier=None
        )
    few = len(queries)
    queries.clear()
    with connection.execute_wrapper(counted):
        four = decisions.decide_proposals(
            proposals=proposals, actor=ops, approve=False, reason="Silver next year", tier=None
        )
    assert (two, four) == (2, 4)  # the applied one is left as it is
    assert len(queries) == few
    rows = {p.pk: p for p in review.proposals.all()}
    assert rows[proposals[0].pk].decision == TierProposal.Decision.APPROVED
    assert {rows[p.pk].decision for p in proposals[1:]} == {TierProposal.Decision.OVERRIDDEN}
    assert {rows[p.pk].decision_reason for p in proposals[1:]} == {"Silver next year"}
    events = AuditEvent.objects.filter(verb="tier_proposal.overridden").order_by("pk")
    assert [(e.object_id, e.from_state) for e in events] == [
        (str(proposals[1].pk), "pending"),
        (str(proposals[2].pk), "pending"),
        (str(proposals[1].pk), "overridden"),
        (str(proposals[2].pk), "overridden"),
        (str(proposals[3].pk), "pending"),
        (str(proposals[4].pk), "pending"),
    ]
    assert {e.reason for e in events[2:]} == {"Silver next year"}


def test_a_bulk_decision_waits_for_the_review_to_finish(ops, quarter, make_partner):
    make_partner("registered", sales=2, technical=1)
    review = review_now(quarter, ops)
    TierReview.objects.filter(pk=review.pk).update(status=TierReview.Status.RUNNING)
    with pytest.raises(ReviewError):
        decisions.decide_proposals(proposals=list(review.proposals.all()), actor=ops, approve=True)
    assert set(review.proposals.values_list("decision", flat=True)) == {"pending"}
