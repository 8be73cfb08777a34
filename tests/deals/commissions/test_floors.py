"""Floors protect a partner's commission: overrides below them need ops with a reason."""

from decimal import Decimal

import pytest

from deals.commissions.exceptions import BelowFloor, CommissionError, CommissionNotAllowed
from deals.commissions.overrides import decide_override, set_override
from deals.commissions.selectors import floor_for_deal, pending_overrides
from deals.commissions.services import run_commission_calculation
from deals.models import CommissionLine, CommissionOverride
from prm.models import AuditEvent

from .conftest import Q3, won_deal

Status = CommissionOverride.Status


def amount_of(deal):
    run_commission_calculation(period=Q3, actor=None)
    return CommissionLine.objects.get(deal=deal).amount


def test_a_cam_override_at_or_above_the_floor_applies_at_once(acme, cam, margin_rule):
    deal = won_deal(acme, amount="1000")
    override = set_override(
        actor=cam, deal=deal, rule=margin_rule, rate=Decimal("8"), reason="Competitive displacement"
    )
    assert override.status == Status.APPROVED and not override.below_floor
    assert amount_of(deal) == 80


def test_a_cam_override_below_the_floor_waits_for_ops_and_does_not_apply(
    acme, cam, ops, margin_rule
):
    deal = won_deal(acme, amount="1000")
    override = set_override(
        actor=cam,
        deal=deal,
        rule=margin_rule,
        rate=Decimal("5"),
        reason="Customer asked for a discount",
    )
    assert override.status == Status.PENDING and override.below_floor
    assert list(pending_overrides()) == [override]
    assert amount_of(deal) == 100  # the rule's 10 %, not the 5 % request
    with pytest.raises(CommissionError, match="reason"):
        decide_override(actor=ops, override=override, approve=True, reason="")
    decide_override(actor=ops, override=override, approve=True, reason="Strategic logo, VP ok")
    assert amount_of(deal) == 50
    event = AuditEvent.objects.get(verb="commission_override_decided")
    assert (event.actor, event.to_state, event.reason) == (ops, "approved", "Strategic logo, VP ok")


def test_only_ops_approve_an_override_below_the_floor(acme, cam, margin_rule):
    deal = won_deal(acme, amount="1000")
    override = set_override(
        actor=cam, deal=deal, rule=margin_rule, rate=Decimal("1"), reason="Please"
    )
    with pytest.raises(BelowFloor):
        decide_override(actor=cam, override=override, approve=True, reason="I say so")


def test_a_rejected_override_leaves_the_rule_in_force(acme, cam, ops, margin_rule):
    deal = won_deal(acme, amount="1000")
    override = set_override(
        actor=cam, deal=deal, rule=margin_rule, rate=Decimal("1"), reason="Please"
    )
    decide_override(actor=ops, override=override, approve=False, reason="Floor stands")
    assert amount_of(deal) == 100


def test_partner_users_and_other_cams_cannot_set_overrides(
    acme, acme_admin, other_cam, margin_rule
):
    deal = won_deal(acme, amount="1000")
    for user in (acme_admin, other_cam):
        with pytest.raises(CommissionNotAllowed):
            set_override(actor=user, deal=deal, rule=margin_rule, rate=Decimal("9"), reason="x")


def test_an_override_needs_a_reason(acme, cam, margin_rule):
    with pytest.raises(CommissionError, match="reason"):
        set_override(actor=cam, deal=won_deal(acme), rule=margin_rule, rate=Decimal(9), reason="")


def test_ops_may_set_an_override_below_the_floor_with_a_reason_and_it_is_audited(
    acme, ops, margin_rule
):
    deal = won_deal(acme, amount="1000")
    override = set_override(
        actor=ops, deal=deal, rule=margin_rule, rate=Decimal("2"), reason="Board-approved exception"
    )
    assert override.status == Status.APPROVED and override.below_floor
    event = AuditEvent.objects.get(verb="commission_override_set")
    assert event.data["below_floor"] is True and Decimal(event.data["floor_rate"]) == 8


def test_the_partner_sees_the_floor_that_protects_it(acme, margin_rule):
    assert floor_for_deal(won_deal(acme)).floor_rate == Decimal("8")
