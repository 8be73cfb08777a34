"""Django admin for the partner models: pages render, status and tier change only through
actions that call the services (so the audit trail is complete)."""

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from partners.models import Agreement, Application, Invitation, Partner, TierHistory
from prm.models import AuditEvent
from tests.factories import (
    ApplicationFactory,
    OfficeFactory,
    QualificationFactory,
    TierRequirementFactory,
    UserFactory,
)

MODELS = [
    "partner",
    "office",
    "partnermembership",
    "tier",
    "tierrequirement",
    "tierhistory",
    "qualification",
    "application",
    "agreement",
    "agreementacceptance",
    "invitation",
]


@pytest.fixture
def superuser(db):
    return UserFactory(
        email="root@vendor.example", internal_role="admin", is_staff=True, is_superuser=True
    )


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def everything(acme_admin, acme, tiers, cam):
    OfficeFactory(partner=acme)
    TierRequirementFactory(tier=tiers[0])
    QualificationFactory(partner=acme, assessed_by=cam)
    ApplicationFactory()
    Agreement.objects.create(version="1", title="Terms", body="Text")
    Invitation.objects.create(
        partner=acme, email="x@acme.example", expires_at=timezone.now() + dt.timedelta(days=1)
    )


@pytest.mark.parametrize("model", MODELS)
def test_every_partner_model_has_a_working_changelist_with_search(admin_client, everything, model):
    url = reverse(f"admin:partners_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "acme"}).status_code == 200


def test_the_partner_page_shows_status_and_tier_read_only_with_inlines(admin_client, acme):
    response = admin_client.get(reverse("admin:partners_partner_change", args=[acme.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "status" not in form.fields
    assert "tier" not in form.fields
    inlines = {f.opts.model._meta.model_name for f in response.context["inline_admin_formsets"]}
    assert {"office", "partnermembership", "tierhistory"} <= inlines


def test_staff_without_the_superuser_flag_cannot_open_the_admin(client, ops):
    client.force_login(ops)
    response = client.get(reverse("admin:partners_partner_changelist"))
    assert response.status_code == 302


def run_action(client, model, action, objects, *, follow=False, **extra):
    return client.post(
        reverse(f"admin:partners_{model}_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra},
        follow=follow,
    )


def test_suspending_asks_for_a_reason_then_goes_through_the_service(admin_client, superuser, acme):
    first = run_action(admin_client, "partner", "suspend", [acme])
    assert first.status_code == 200
    assert b"Suspend partners" in first.content
    acme.refresh_from_db()
    assert acme.status == Partner.Status.ACTIVE

    run_action(admin_client, "partner", "suspend", [acme], apply="1", reason="Unpaid invoices")
    acme.refresh_from_db()
    assert acme.status == Partner.Status.SUSPENDED
    event = AuditEvent.objects.get(verb="partner.status_changed")
    assert (event.actor, event.reason) == (superuser, "Unpaid invoices")


def test_a_refused_transition_is_reported_per_partner(admin_client, acme, globex):
    Partner.objects.filter(pk=globex.pk).update(status=Partner.Status.TERMINATED)
    response = run_action(
        admin_client, "partner", "reactivate", [acme, globex], apply="1", reason="Back", follow=True
    )
    assert "cannot move from terminated" in response.content.decode()
    assert not AuditEvent.objects.filter(verb="partner.status_changed").exists()  # Acme: active


def test_tier_actions_exist_per_tier_and_write_history(admin_client, acme, tiers):
    run_action(
        admin_client, "partner", f"set_tier_{tiers[2].pk}", [acme], apply="1", reason="Review"
    )
    acme.refresh_from_db()
    assert acme.tier == tiers[2]
    assert TierHistory.objects.get(partner=acme, effective_to__isnull=True).reason == "Review"
    assert AuditEvent.objects.filter(verb="partner.tier_changed").exists()


def test_applications_are_approved_through_the_service(admin_client, cam):
    application = ApplicationFactory(partner__channel_manager=cam)
    QualificationFactory(partner=application.partner)
    run_action(admin_client, "application", "approve", [application], apply="1", reason="Fit")
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert Invitation.objects.filter(partner=application.partner, role="admin").exists()


def test_invitations_are_revoked_through_the_service_and_not_edited(admin_client, acme):
    invitation = Invitation.objects.create(
        partner=acme, email="x@acme.example", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    change = admin_client.get(reverse("admin:partners_invitation_change", args=[invitation.pk]))
    assert invitation.token not in change.content.decode()
    run_action(admin_client, "invitation", "revoke", [invitation])
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.filter(verb="partner.invitation_revoked").exists()
