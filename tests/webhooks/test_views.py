"""Portal pages: ops see every endpoint; a partner admin only their partner's; reps, channel
account managers and other partners nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from prm.webhooks import publish
from prm.webhooks.models import WebhookDelivery, WebhookEndpoint


@pytest.fixture
def acme_endpoint(endpoint_for, acme, acme_admin):
    return endpoint_for("https://acme.example/h", ["partner.tier_changed"], partner=acme,
                        actor=acme_admin)  # fmt: skip


@pytest.fixture
def globex_endpoint(endpoint_for, globex, globex_admin):
    return endpoint_for("https://globex.example/h", ["partner.tier_changed"], partner=globex,
                        actor=globex_admin)  # fmt: skip


def test_the_list_shows_each_persona_its_own(
    client_for, personas, acme_endpoint, globex_endpoint, endpoint_for
):
    vendor = endpoint_for("https://vendor.example/h", ["deal.won"])
    seen = {
        who: client_for(personas[who]).get("/webhooks/")
        for who in ("ops", "acme_admin", "globex_admin")
    }
    assert all(r.status_code == 200 for r in seen.values())
    ops_page = seen["ops"].content.decode()
    assert all(e.url in ops_page for e in (acme_endpoint, globex_endpoint, vendor))
    acme_page = seen["acme_admin"].content.decode()
    assert acme_endpoint.url in acme_page
    assert globex_endpoint.url not in acme_page and vendor.url not in acme_page
    assert globex_endpoint.url in seen["globex_admin"].content.decode()
    assert acme_endpoint.url not in seen["globex_admin"].content.decode()


@pytest.mark.parametrize("who", ["acme_rep", "cam", "other_cam"])
def test_reps_and_channel_managers_have_no_webhook_pages(client_for, personas, who, acme_endpoint):
    client = client_for(personas[who])
    assert client.get("/webhooks/").status_code == 403
    assert client.get(f"/webhooks/{acme_endpoint.pk}/").status_code == 403


def test_another_partners_endpoint_is_not_found(client_for, globex_admin, acme_endpoint):
    client = client_for(globex_admin)
    delivery, *_ = publish(
        "partner.tier_changed", acme_endpoint.partner, partner=acme_endpoint.partner
    )
    for url in (
        f"/webhooks/{acme_endpoint.pk}/",
        f"/webhooks/{acme_endpoint.pk}/edit/",
        f"/webhooks/deliveries/{delivery.pk}/",
    ):
        assert client.get(url).status_code == 404
    for url in (
        f"/webhooks/{acme_endpoint.pk}/pause/",
        f"/webhooks/{acme_endpoint.pk}/rotate/",
        f"/webhooks/deliveries/{delivery.pk}/replay/",
    ):
        assert client.post(url, {"overlap_hours": 1}).status_code == 404
    acme_endpoint.refresh_from_db()
    assert acme_endpoint.status == "active"
    assert WebhookDelivery.objects.count() == 1


def test_a_partner_admin_registers_an_endpoint_and_sees_the_secret_once(
    client_for, acme_admin, acme
):
    client = client_for(acme_admin)
    form = client.get("/webhooks/new/").content.decode()
    assert "deal.won" in form and "application.received" not in form
    answer = client.post(
        "/webhooks/new/",
        {"url": "https://crm.acme.example/h", "partner": acme.pk,
         "event_types": ["deal.won", "lead.offered"]},
    )  # fmt: skip
    endpoint = WebhookEndpoint.objects.get()
    assert answer.status_code == 200
    assert endpoint.secret in answer.content.decode()
    assert (endpoint.partner, endpoint.event_types) == (acme, ["deal.won", "lead.offered"])
    assert endpoint.secret not in client.get(endpoint.get_absolute_url()).content.decode()


def test_bad_input_gets_form_errors(client_for, acme_admin, acme):
    client = client_for(acme_admin)
    answer = client.post("/webhooks/new/", {"url": "ftp://files.example/", "partner": acme.pk})
    assert answer.status_code == 200
    assert "has-error" in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_edit_rotate_pause_and_resume(client_for, acme_admin, acme_endpoint):
    client = client_for(acme_admin)
    url = acme_endpoint.get_absolute_url()
    answer = client.post(f"{url}edit/", {"url": "https://new.acme.example/h",
                                         "event_types": ["deal.lost"]})  # fmt: skip
    assert answer.status_code == 302
    acme_endpoint.refresh_from_db()
    assert (acme_endpoint.url, acme_endpoint.event_types) == ("https://new.acme.example/h",
                                                              ["deal.lost"])  # fmt: skip
    old = acme_endpoint.secret
    rotated = client.post(f"{url}rotate/", {"overlap_hours": 12})
    acme_endpoint.refresh_from_db()
    assert acme_endpoint.secret != old and acme_endpoint.secret in rotated.content.decode()
    assert acme_endpoint.previous_secret == old
    client.post(f"{url}pause/")
    acme_endpoint.refresh_from_db()
    assert acme_endpoint.is_paused
    client.post(f"{url}resume/")
    acme_endpoint.refresh_from_db()
    assert not acme_endpoint.is_paused


def test_the_delivery_log_and_replays(client_for, acme_admin, acme_endpoint, acme):
    (delivery,) = publish("partner.tier_changed", acme, partner=acme)
    client = client_for(acme_admin)
    page = client.get(acme_endpoint.get_absolute_url()).content.decode()
    assert f'data-testid="delivery-{delivery.pk}"' in page
    detail = client.get(delivery.get_absolute_url())
    assert detail.status_code == 200 and str(delivery.event_id) in detail.content.decode()

    assert client.post(f"/webhooks/deliveries/{delivery.pk}/replay/").status_code == 302
    assert delivery.replays.count() == 1
    now = timezone.localtime()
    answer = client.post(
        f"{acme_endpoint.get_absolute_url()}replay/",
        {"start": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
         "end": (now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")},
    )  # fmt: skip
    assert answer.status_code == 302
    assert delivery.replays.count() == 2


def test_the_list_is_paginated_with_constant_queries(
    client_for, ops, endpoint_for, django_assert_max_num_queries
):
    for n in range(30):
        endpoint_for(f"https://vendor.example/{n}", ["deal.won"])
    client = client_for(ops)
    client.get("/webhooks/")  # warm the session and caches
    with django_assert_max_num_queries(12):
        page = client.get("/webhooks/")
    assert page.content.decode().count('data-testid="endpoint-') == 25


def test_the_empty_list_says_so(client_for, ops):
    assert "No webhook endpoints yet." in client_for(ops).get("/webhooks/").content.decode()
