"""The webhooks API: scoped per key, the secret shown once, rotation, pause and replay."""

import datetime as dt

import pytest
from django.utils import timezone

from prm.webhooks import publish
from prm.webhooks.models import WebhookDelivery, WebhookEndpoint

RW = ("webhooks:read", "webhooks:write")


def test_a_partner_key_registers_an_endpoint_for_its_own_partner(key_client, acme):
    client = key_client(*RW, partner=acme)
    answer = client.post(
        "/api/v1/webhook-endpoints/",
        {"url": "https://crm.acme.example/hooks", "event_types": ["deal.approved"]},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert body["secret"] == endpoint.secret and endpoint.partner == acme
    # Never again: not in the list nor the detail.
    assert "secret" not in client.get(f"/api/v1/webhook-endpoints/{endpoint.pk}/").json()
    assert "secret" not in client.get("/api/v1/webhook-endpoints/").json()["results"][0]


def test_a_partner_key_cannot_subscribe_to_vendor_events_or_other_partners(
    key_client, acme, globex
):
    client = key_client(*RW, partner=acme)
    vendor_only = client.post(
        "/api/v1/webhook-endpoints/",
        {"url": "https://crm.acme.example/hooks", "event_types": ["application.received"]},
        format="json",
    )
    assert vendor_only.status_code == 400
    assert vendor_only.json()["error"]["code"] == "unknown_event_type"
    other = client.post(
        "/api/v1/webhook-endpoints/",
        {"url": "https://x.example/h", "event_types": ["deal.won"], "partner": globex.pk},
        format="json",
    )
    assert other.status_code == 400
    assert "partner" in other.json()["error"]["details"]


def test_partner_keys_see_only_their_partners_endpoints_and_deliveries(
    key_client, endpoint_for, acme, globex, acme_admin, globex_admin
):
    mine = endpoint_for("https://acme.example/h", ["partner.tier_changed"], partner=acme,
                        actor=acme_admin)  # fmt: skip
    theirs = endpoint_for("https://globex.example/h", ["partner.tier_changed"], partner=globex,
                          actor=globex_admin)  # fmt: skip
    vendor = endpoint_for("https://vendor.example/h", ["partner.tier_changed"])
    publish("partner.tier_changed", acme, partner=acme)
    publish("partner.tier_changed", globex, partner=globex)
    client = key_client(*RW, partner=acme)

    listed = client.get("/api/v1/webhook-endpoints/").json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    for other in (theirs, vendor):
        assert client.get(f"/api/v1/webhook-endpoints/{other.pk}/").status_code == 404
        assert client.post(f"/api/v1/webhook-endpoints/{other.pk}/pause/").status_code == 404
    deliveries = client.get("/api/v1/webhook-deliveries/").json()["results"]
    assert {row["endpoint"] for row in deliveries} == {mine.pk}
    foreign = WebhookDelivery.objects.get(endpoint=theirs)
    assert client.get(f"/api/v1/webhook-deliveries/{foreign.pk}/").status_code == 404
    assert client.post(f"/api/v1/webhook-deliveries/{foreign.pk}/replay/").status_code == 404

    # A program-wide key sees them all.
    everything = key_client(*RW).get("/api/v1/webhook-endpoints/").json()["results"]
    assert {row["id"] for row in everything} == {mine.pk, theirs.pk, vendor.pk}


def test_the_scopes_are_required(key_client, acme):
    assert (
        key_client("deals:read", partner=acme).get("/api/v1/webhook-endpoints/").status_code == 403
    )
    reader = key_client("webhooks:read", partner=acme)
    assert reader.get("/api/v1/webhook-endpoints/").status_code == 200
    answer = reader.post(
        "/api/v1/webhook-endpoints/",
        {"url": "https://a.example/h", "event_types": ["deal.won"]},
        format="json",
    )
    assert answer.status_code == 403


def test_rotate_pause_resume_and_update(key_client, endpoint_for, acme, acme_admin):
    endpoint = endpoint_for("https://acme.example/h", ["deal.won"], partner=acme, actor=acme_admin)
    old = endpoint.secret
    client = key_client(*RW, partner=acme)
    rotated = client.post(
        f"/api/v1/webhook-endpoints/{endpoint.pk}/rotate-secret/", {"overlap_hours": 2},
        format="json",
    ).json()  # fmt: skip
    endpoint.refresh_from_db()
    assert rotated["secret"] == endpoint.secret != old
    assert endpoint.previous_secret == old
    assert client.post(f"/api/v1/webhook-endpoints/{endpoint.pk}/rotate-secret/",
                       {"overlap_hours": 500}, format="json").status_code == 400  # fmt: skip

    assert (
        client.post(f"/api/v1/webhook-endpoints/{endpoint.pk}/pause/").json()["status"] == "paused"
    )
    assert (
        client.post(f"/api/v1/webhook-endpoints/{endpoint.pk}/resume/").json()["status"] == "active"
    )
    changed = client.patch(
        f"/api/v1/webhook-endpoints/{endpoint.pk}/",
        {"event_types": ["deal.won", "deal.lost"]},
        format="json",
    )
    assert changed.status_code == 200
    assert changed.json()["event_types"] == ["deal.won", "deal.lost"]
    assert client.patch(f"/api/v1/webhook-endpoints/{endpoint.pk}/", {"url": "ftp://x.example/"},
                        format="json").status_code == 400  # fmt: skip


def test_replay_one_delivery_and_a_range(key_client, endpoint_for, acme, acme_admin, globex):
    endpoint = endpoint_for("https://acme.example/h", ["partner.tier_changed"], partner=acme,
                            actor=acme_admin)  # fmt: skip
    (first,) = publish("partner.tier_changed", acme, partner=acme)
    (second,) = publish("partner.tier_changed", acme, partner=acme)
    client = key_client(*RW, partner=acme)

    one = client.post(f"/api/v1/webhook-deliveries/{first.pk}/replay/")
    assert one.status_code == 201
    replay = WebhookDelivery.objects.get(pk=one.json()["id"])
    assert (replay.replay_of, replay.event_id, replay.payload) == (
        first,
        first.event_id,
        first.payload,
    )

    now = timezone.now()
    answer = client.post(
        f"/api/v1/webhook-endpoints/{endpoint.pk}/replay/",
        {"start": (now - dt.timedelta(hours=1)).isoformat(), "end": now.isoformat()},
        format="json",
    )
    assert answer.status_code == 200
    assert answer.json()["count"] == 2  # the originals, not the replay
    replayed = WebhookDelivery.objects.filter(pk__in=answer.json()["deliveries"]).order_by("pk")
    assert [r.replay_of_id for r in replayed] == [first.pk, second.pk]
    backwards = client.post(
        f"/api/v1/webhook-endpoints/{endpoint.pk}/replay/",
        {"start": now.isoformat(), "end": (now - dt.timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert backwards.status_code == 400


def test_the_delivery_shows_its_attempts(key_client, endpoint_for, acme, acme_admin, receiver,
                                         run_on_commit):  # fmt: skip
    endpoint_for(receiver.url, ["partner.tier_changed"], partner=acme, actor=acme_admin)
    receiver.statuses = [500]
    with run_on_commit():
        (row,) = publish("partner.tier_changed", acme, partner=acme)
    body = (
        key_client("webhooks:read", partner=acme)
        .get(f"/api/v1/webhook-deliveries/{row.pk}/")
        .json()
    )
    assert body["status"] == "pending"
    assert body["payload"]["type"] == "partner.tier_changed"
    (attempt,) = body["attempts"]
    assert attempt["status_code"] == 500 and attempt["response_body"] == "receiver is down"


def test_the_event_types_are_listed(key_client, acme):
    rows = key_client("webhooks:read", partner=acme).get("/api/v1/webhook-event-types/").json()
    names = {row["name"]: row["audience"] for row in rows}
    assert names["deal.won"] == "partner" and names["application.received"] == "vendor"


@pytest.mark.parametrize("event_type", ["deal.won", "conflict.detected"])
def test_ops_may_subscribe_vendor_wide_to_any_event(key_client, event_type):
    answer = key_client(*RW).post(
        "/api/v1/webhook-endpoints/",
        {"url": "https://vendor.example/h", "event_types": [event_type], "partner": None},
        format="json",
    )
    assert answer.status_code == 201
    assert answer.json()["partner"] is None
