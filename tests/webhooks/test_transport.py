"""Where deliveries may go: http(s) only; no private or loopback addresses in production."""

import socket

import pytest

from prm.audit import events_for
from prm.webhooks import services, transport
from prm.webhooks.exceptions import UnknownEventType, UnsafeWebhookUrl
from prm.webhooks.models import WebhookEndpoint


@pytest.mark.parametrize("url", ["ftp://files.example/in", "file:///etc/passwd", "https://"])
def test_only_http_and_https_urls_are_accepted(ops, url):
    with pytest.raises(UnsafeWebhookUrl):
        services.create_endpoint(actor=ops, url=url, event_types=["deal.won"])
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/h", "http://10.1.2.3/h", "http://[::1]/h", "http://localhost/h",
     "http://169.254.169.254/latest/meta-data"],
)  # fmt: skip
def test_production_refuses_private_and_loopback_addresses(ops, settings, url):
    settings.PRM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(UnsafeWebhookUrl):
        services.create_endpoint(actor=ops, url=url, event_types=["deal.won"])
    settings.PRM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    assert services.create_endpoint(actor=ops, url=url, event_types=["deal.won"]).url == url


def test_a_host_name_that_resolves_to_a_private_address_is_refused_when_sending(
    settings, monkeypatch
):
    settings.PRM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, 1, 6, "", ("10.0.0.5", 443))]
    )
    transport.check_url("https://hooks.example/in")  # the name alone is fine
    answer = transport.post("https://hooks.example/in", body=b"{}", headers={})
    assert answer.status_code is None and "private" in answer.error


def test_partner_admins_cannot_register_vendor_events_or_for_another_partner(
    acme, globex, acme_admin, acme_rep
):
    with pytest.raises(UnknownEventType):
        services.create_endpoint(actor=acme_admin, url="https://a.example/h", partner=acme,
                                 event_types=["conflict.detected"])  # fmt: skip
    for actor, partner in ((acme_admin, globex), (acme_admin, None), (acme_rep, acme)):
        with pytest.raises(services.PermissionDenied):
            services.create_endpoint(actor=actor, url="https://a.example/h", partner=partner,
                                     event_types=["deal.won"])  # fmt: skip


def test_every_change_to_an_endpoint_is_audited(acme, acme_admin):
    endpoint = services.create_endpoint(actor=acme_admin, url="https://a.example/h",
                                        partner=acme, event_types=["deal.won"])  # fmt: skip
    services.update_endpoint(endpoint=endpoint, actor=acme_admin, url="https://b.example/h",
                             event_types=["deal.lost"])  # fmt: skip
    services.rotate_secret(endpoint=endpoint, actor=acme_admin)
    services.pause_endpoint(endpoint=endpoint, actor=acme_admin)
    services.resume_endpoint(endpoint=endpoint, actor=acme_admin)
    verbs = [e.verb for e in events_for(endpoint).order_by("pk")]
    assert verbs == [
        "webhooks.endpoint_created",
        "webhooks.endpoint_updated",
        "webhooks.secret_rotated",
        "webhooks.endpoint_paused",
        "webhooks.endpoint_resumed",
    ]
    assert all(e.actor == acme_admin for e in events_for(endpoint))
    assert not any(endpoint.secret in str(e.data) for e in events_for(endpoint))
