"""The event registry and the services that publish into it."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils.module_loading import import_string

from deals.leads import services as leads
from deals.models import Lead
from enablement.services import refresh_certification_statuses
from partners.recruitment.services import submit_application
from partners.services import set_partner_tier
from prm.webhooks import publish
from prm.webhooks.events import EVENT_TYPES, OBJECT_SERIALIZERS, VENDOR
from prm.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.deals.conflict_factories import LeadFactory
from tests.enablement.factories import PersonCertificationFactory

PUBLISHED = re.compile(r"""publish(?:_many)?\(\s*f?["']([a-z_.{}]+)["']""")
EVERY_EVENT = list(EVENT_TYPES)


def test_every_published_event_type_is_registered_and_every_registered_one_is_published():
    found = set()
    for app in ("deals", "mdf", "partners", "enablement", "scorecards"):
        for source in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            found |= set(PUBLISHED.findall(source.read_text()))
    found = {name.replace("{outcome}", outcome) for name in found for outcome in ("won", "lost")}
    assert found == set(EVENT_TYPES)


@pytest.mark.parametrize("label", list(OBJECT_SERIALIZERS))
def test_each_object_is_shown_by_its_api_serializer(label):
    assert import_string(OBJECT_SERIALIZERS[label]).Meta.model is apps.get_model(label)


def test_the_body_carries_the_event_and_the_object_as_the_api_shows_it(endpoint_for, acme):
    endpoint_for("https://vendor.example/h", ["partner.tier_changed"])
    (row,) = publish("partner.tier_changed", acme, partner=acme)
    body = row.payload
    assert body["id"] == str(row.event_id) and body["type"] == "partner.tier_changed"
    assert body["created_at"].endswith("Z") and body["partner_id"] == acme.pk
    assert body["data"]["object_type"] == "partners.partner"
    assert body["data"]["object"]["display_name"] == "Acme"


def test_a_partners_endpoint_never_receives_another_partners_events(
    endpoint_for, acme, globex, acme_admin, globex_admin
):
    mine = endpoint_for("https://acme.example/h", EVERY_EVENT[:6] + ["partner.tier_changed"],
                        partner=acme, actor=acme_admin)  # fmt: skip
    theirs = endpoint_for("https://globex.example/h", ["partner.tier_changed"], partner=globex,
                          actor=globex_admin)  # fmt: skip
    vendor = endpoint_for("https://vendor.example/h", ["partner.tier_changed"])
    publish("partner.tier_changed", globex, partner=globex)
    assert not mine.deliveries.exists()
    assert theirs.deliveries.count() == 1 and vendor.deliveries.count() == 1
    publish("partner.tier_changed", acme, partner=acme)
    assert mine.deliveries.count() == 1 and theirs.deliveries.count() == 1


def test_vendor_events_never_reach_a_partner_endpoint_even_if_stored_as_subscribed(
    endpoint_for, acme, acme_admin
):
    endpoint = endpoint_for("https://acme.example/h", ["deal.won"], partner=acme, actor=acme_admin)
    # Written past the service, which refuses it: the delivery rule still holds.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(event_types=["application.received"])
    vendor = endpoint_for("https://vendor.example/h", ["application.received"])
    application = submit_application(
        legal_name="Newco Ltd", display_name="Newco", hq_country="US", business_model="reseller",
        contact_name="Nia New", contact_email="nia@newco.example",
    )  # fmt: skip
    assert EVENT_TYPES["application.received"].audience == VENDOR
    (row,) = WebhookDelivery.objects.all()
    assert row.endpoint == vendor
    assert row.payload["data"]["object"]["id"] == application.pk


def test_a_tier_change_is_published(endpoint_for, acme, tiers, ops):
    endpoint = endpoint_for("https://vendor.example/h", ["partner.tier_changed"])
    set_partner_tier(partner=acme, tier=tiers[2], actor=ops, reason="Promoted")
    (row,) = endpoint.deliveries.all()
    assert row.payload["data"]["object"]["tier"]["name"] == tiers[2].name


def test_leads_offered_accepted_and_recalled_are_published(
    endpoint_for, acme, acme_admin, acme_rep, globex, cam, ops
):
    events = ["lead.offered", "lead.accepted", "lead.recalled"]
    endpoint = endpoint_for("https://acme.example/h", events, partner=acme, actor=acme_admin)
    lead = LeadFactory()
    leads.offer_lead(lead=lead, partner=acme, actor=ops)
    leads.accept_lead(lead=Lead.objects.get(pk=lead.pk), actor=acme_rep)
    second = LeadFactory()
    leads.offer_lead(lead=second, partner=acme, actor=ops)
    leads.recall_overdue_leads(now=Lead.objects.get(pk=second.pk).accept_by + dt.timedelta(hours=1))
    rows = list(endpoint.deliveries.order_by("pk"))
    assert [(r.event_type, r.payload["data"]["object"]["id"]) for r in rows] == [
        ("lead.offered", lead.pk),
        ("lead.accepted", lead.pk),
        ("lead.offered", second.pk),
        ("lead.recalled", second.pk),
    ]
    assert rows[1].payload["data"]["object"]["status"] == "accepted"


def test_certifications_expiring_and_expired_are_published(
    endpoint_for, acme, acme_admin, acme_rep
):
    endpoint = endpoint_for("https://acme.example/h",
                            ["certification.expiring", "certification.expired"],
                            partner=acme, actor=acme_admin)  # fmt: skip
    today = dt.date.today()
    soon = PersonCertificationFactory(
        user=acme_rep, partner=acme, expires_on=today + dt.timedelta(days=3)
    )
    gone = PersonCertificationFactory(
        user=acme_rep, partner=acme, expires_on=today - dt.timedelta(days=1)
    )
    refresh_certification_statuses(today=today)
    found = {(r.event_type, r.payload["data"]["object"]["id"]) for r in endpoint.deliveries.all()}
    assert found == {("certification.expiring", soon.pk), ("certification.expired", gone.pk)}


def test_deals_rejected_lost_and_expired_are_published(
    endpoint_for, acme, acme_admin, acme_rep, cam
):
    from django.utils import timezone

    from deals.models import DealRegistration
    from deals.services import decisions, outcome, protection
    from tests.deals.factories import DealFactory

    status = DealRegistration.Status
    endpoint = endpoint_for(
        "https://acme.example/h",
        ["deal.rejected", "deal.lost", "deal.expired"],
        partner=acme,
        actor=acme_admin,
    )
    rejected = DealFactory(partner=acme, registered_by=acme_rep, status=status.SUBMITTED)
    decisions.reject_registration(registration=rejected, actor=cam, reason="Vendor-owned.")
    lost = DealFactory(partner=acme, registered_by=acme_rep, status=status.APPROVED)
    outcome.record_outcome(registration=lost, actor=acme_rep, outcome="lost", lost_reason="Budget")
    expired = DealFactory(
        partner=acme,
        registered_by=acme_rep,
        status=status.APPROVED,
        protected_until=timezone.now() - dt.timedelta(days=1),
    )
    protection.expire_registrations()
    rows = endpoint.deliveries.order_by("pk")
    assert [(r.event_type, r.payload["data"]["object"]["id"]) for r in rows] == [
        ("deal.rejected", rejected.pk),
        ("deal.lost", lost.pk),
        ("deal.expired", expired.pk),
    ]
