"""Overrides: a CAM asks on the deal's own small form; below the floor it waits for program
ops, who approve or refuse it with a reason on the queue page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from deals.commissions.overrides import set_override
from deals.models import CommissionOverride
from prm.models import AuditEvent

from .conftest import won_deal

Status = CommissionOverride.Status


@pytest.fixture
def deal(acme, margin_rule):
    return won_deal(acme, amount="10000")


def _request(client, deal, **data):
    return client.post(reverse("deals:commission_override_request", args=[deal.pk]), data)


def test_the_request_form_shows_the_rule_and_its_floor(deal, cam, client_for):
    response = client_for(cam).get(reverse("deals:commission_override_request", args=[deal.pk]))
    assert response.status_code == 200
    assert "Resale margin" in response.content.decode()
    assert 'data-testid="override-floor">8 %' in response.content.decode()


@pytest.mark.parametrize("persona", ["acme_admin", "acme_rep", "distri_admin", "other_cam"])
def test_only_the_deals_cam_and_ops_may_ask(deal, personas, persona, client_for):
    client = client_for(personas[persona])
    assert (
        client.get(reverse("deals:commission_override_request", args=[deal.pk])).status_code == 404
    )
    assert _request(client, deal, value="5", reason="x").status_code == 404
    assert not CommissionOverride.objects.exists()


def test_at_or_above_the_floor_a_cams_override_applies_at_once(deal, cam, client_for):
    response = _request(client_for(cam), deal, value="9", reason="Strategic account")
    assert response.status_code == 302
    override = CommissionOverride.objects.get()
    assert (override.status, override.rate, override.below_floor) == (Status.APPROVED, 9, False)
    assert AuditEvent.objects.filter(verb="commission_override_set", actor=cam).exists()


def test_below_the_floor_a_cams_override_waits_for_ops(deal, cam, client_for):
    response = _request(client_for(cam), deal, value="5", reason="Price match")
    assert response.status_code == 302
    assert CommissionOverride.objects.get().status == Status.PENDING
    follow = client_for(cam).get(response["Location"])
    assert follow.status_code == 200


def test_a_request_needs_a_valid_value_and_a_reason(deal, cam, client_for):
    response = _request(client_for(cam), deal, value="-1", reason="")
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"value", "reason"}
    assert not CommissionOverride.objects.exists()


@pytest.fixture
def pending(deal, cam):
    return set_override(actor=cam, deal=deal, rule=deal_rule(deal), reason="Match", rate="5")


def deal_rule(deal):
    from deals.commissions.selectors import floor_for_deal

    return floor_for_deal(deal)


@pytest.mark.parametrize("persona", ["cam", "acme_admin", "globex_admin"])
def test_the_queue_is_ops_only(pending, personas, persona, client_for):
    client = client_for(personas[persona])
    assert client.get(reverse("deals:commission_override_queue")).status_code == 404
    decide = reverse("deals:commission_override_decide", args=[pending.pk])
    assert client.post(decide, {"decision": "approve", "reason": "ok"}).status_code == 404
    assert CommissionOverride.objects.get().status == Status.PENDING


def test_ops_approve_an_override_below_the_floor_with_a_reason(pending, ops, client_for):
    client = client_for(ops)
    queue = client.get(reverse("deals:commission_override_queue"))
    assert list(queue.context["page_obj"].object_list) == [pending]
    assert "floor 8 %" in queue.content.decode()
    decide = reverse("deals:commission_override_decide", args=[pending.pk])
    response = client.post(decide, {"decision": "approve", "reason": "Board decision"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by, pending.decision_reason) == (
        Status.APPROVED, ops, "Board decision"
    )  # fmt: skip
    event = AuditEvent.objects.get(verb="commission_override_decided")
    assert (event.actor, event.reason, event.to_state) == (ops, "Board decision", "approved")


def test_ops_refuse_an_override(pending, ops, client_for):
    decide = reverse("deals:commission_override_decide", args=[pending.pk])
    client_for(ops).post(decide, {"decision": "refuse", "reason": "No"})
    assert CommissionOverride.objects.get().status == Status.REJECTED


def test_a_decision_without_a_reason_is_refused(pending, ops, client_for):
    decide = reverse("deals:commission_override_decide", args=[pending.pk])
    response = client_for(ops).post(decide, {"decision": "approve", "reason": ""}, follow=True)
    assert "This field is required." in response.content.decode()
    assert CommissionOverride.objects.get().status == Status.PENDING


def test_deciding_twice_is_refused(pending, ops, client_for):
    decide = reverse("deals:commission_override_decide", args=[pending.pk])
    client = client_for(ops)
    client.post(decide, {"decision": "approve", "reason": "Yes"})
    response = client.post(decide, {"decision": "refuse", "reason": "No"}, follow=True)
    assert "already decided" in response.content.decode()
    assert CommissionOverride.objects.get().rate == Decimal(5)
    assert CommissionOverride.objects.get().status == Status.APPROVED


def test_the_deal_page_links_the_override_form_for_its_cam_only(deal, cam, acme_admin, client_for):
    url = reverse("deals:deal_detail", args=[deal.pk])
    assert 'data-testid="override-link"' in client_for(cam).get(url).content.decode()
    assert 'data-testid="override-link"' not in client_for(acme_admin).get(url).content.decode()
