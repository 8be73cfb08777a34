"""The admin goes through the services; the demo seeder is idempotent; every email renders."""

import datetime as dt
from io import StringIO

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from deals.demo import seed
from deals.models import DealProgramSettings, DealRegistration, ExtensionRequest
from prm.audit import events_for
from prm.notifications import OPTIONAL_KINDS

from .factories import DealFactory, ExtensionRequestFactory

pytestmark = pytest.mark.django_db
Status = DealRegistration.Status


@pytest.fixture
def admin_user(ops):
    ops.is_staff = True
    ops.is_superuser = True
    ops.save()
    return ops


class TestAdmin:
    def test_registrations_are_read_only_and_approved_through_the_service(
        self, client_for, admin_user, deal_in
    ):
        registration = deal_in(Status.SUBMITTED)
        client = client_for(admin_user)
        url = reverse("admin:deals_dealregistration_change", args=[registration.pk])
        page = client.get(url).content.decode()
        assert 'name="status"' not in page
        client.post(
            reverse("admin:deals_dealregistration_changelist"),
            {"action": "approve", "_selected_action": [registration.pk]},
        )
        registration.refresh_from_db()
        assert registration.status == Status.APPROVED
        assert events_for(registration).get(verb="deal.approved").actor == admin_user

    def test_refusals_are_reported_not_raised(self, client_for, admin_user, deal_in):
        registration = deal_in(Status.WON)
        response = client_for(admin_user).post(
            reverse("admin:deals_dealregistration_changelist"),
            {"action": "approve", "_selected_action": [registration.pk]},
            follow=True,
        )
        assert "cannot move from won" in response.content.decode()

    def test_extensions_are_granted_through_the_service(self, client_for, admin_user, deal_in):
        extension = ExtensionRequestFactory(registration=deal_in(Status.APPROVED))
        client_for(admin_user).post(
            reverse("admin:deals_extensionrequest_changelist"),
            {"action": "grant", "_selected_action": [extension.pk]},
        )
        extension.refresh_from_db()
        assert extension.status == ExtensionRequest.Status.APPROVED

    def test_program_settings_are_one_editable_row(self, client_for, admin_user):
        settings = DealProgramSettings.current()
        client = client_for(admin_user)
        assert client.get(reverse("admin:deals_dealprogramsettings_add")).status_code == 403
        response = client.post(
            reverse("admin:deals_dealprogramsettings_change", args=[settings.pk]),
            {
                "protection_days": "60",
                "expiry_reminder_days": "10",
                "extension_policy": "unlimited",
                "extension_days": "15",
                "approval_sla_business_days": "3",
                "sla_reminder_hours": "4",
                "max_resubmissions": "1",
                "lead_accept_hours": "48",
            },
        )
        assert response.status_code == 302
        settings.refresh_from_db()
        assert (settings.protection_days, settings.extension_policy) == (60, "unlimited")

    def test_ops_with_staff_access_edit_the_settings_and_the_change_is_audited(
        self, client_for, ops, cam
    ):
        settings = DealProgramSettings.current()
        url = reverse("admin:deals_dealprogramsettings_change", args=[settings.pk])
        cam.is_staff = True
        cam.save()
        assert client_for(cam).get(url).status_code == 403
        ops.is_staff = True
        ops.save()
        client = client_for(ops)
        data = {
            "protection_days": "120",
            "expiry_reminder_days": "14",
            "extension_policy": "once",
            "extension_days": "30",
            "approval_sla_business_days": "2",
            "sla_reminder_hours": "8",
            "max_resubmissions": "2",
            "lead_accept_hours": "48",
        }
        assert client.post(url, data).status_code == 302
        event = events_for(settings).get()
        assert (event.actor, event.data) == (
            ops,
            {"changes": {"protection_days": {"before": 90, "after": 120}}},
        )
        data["approval_sla_business_days"] = "0"
        response = client.post(url, data)
        assert "approval_sla_business_days" in response.context["adminform"].form.errors

    def test_every_deals_model_has_an_admin_page(self, client_for, admin_user):
        from django.apps import apps
        from django.contrib import admin

        client = client_for(admin_user)
        for model in apps.get_app_config("deals").get_models():
            if model.__name__ == "LeadOffer":
                continue  # shown inline on its lead
            assert model in admin.site._registry, model.__name__
            url = reverse(f"admin:deals_{model._meta.model_name}_changelist")
            assert client.get(url).status_code == 200, model.__name__

    def test_the_jobs_can_be_run_from_the_admin(self, client_for, admin_user, deal_in):
        registration = deal_in(Status.APPROVED, protected_until=timezone.now())
        client_for(admin_user).post(
            reverse("admin:deals_dealregistration_changelist"),
            {"action": "expire_due", "_selected_action": [registration.pk]},
        )
        registration.refresh_from_db()
        assert registration.status == Status.EXPIRED


def test_the_demo_seeder_covers_every_status_and_runs_twice(personas):
    out = StringIO()
    seed(stdout=out)
    assert "148 new registrations" in out.getvalue()
    statuses = set(DealRegistration.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    assert DealRegistration.objects.filter(
        status=Status.SUBMITTED, sla_due_at__lt=timezone.now()
    ).exists()
    assert DealRegistration.objects.filter(
        status=Status.APPROVED, protected_until__lt=timezone.now() + dt.timedelta(days=14)
    ).exists()
    seed(stdout=out)
    assert "0 new registrations" in out.getvalue().splitlines()[-1]
    assert DealRegistration.objects.count() == 148


TEMPLATES = [
    "submitted",
    "more_info",
    "approved",
    "rejected",
    "withdrawn",
    "expiry_reminder",
    "expired",
    "extension_requested",
    "extension_decided",
    "sla_reminder",
    "sla_escalation",
    "outcome",
]


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_email_has_a_subject_line_and_a_body(deal_in, name):
    registration = deal_in(
        Status.WON,
        sla_due_at=timezone.now(),
        protected_until=timezone.now(),
        closed_amount="100",
        closed_on=timezone.localdate(),
    )
    extension = ExtensionRequestFactory(registration=DealFactory(status=Status.APPROVED))
    text = render_to_string(
        f"deals/email/{name}.txt",
        {"registration": registration, "reason": "Because.", "extension": extension},
    )
    subject, _, body = text.strip().partition("\n")
    assert registration.customer_name in subject
    assert body.strip()
    assert "{{" not in text and "{%" not in text


def test_reminders_and_informational_kinds_can_be_turned_off():
    assert {
        "deal_submitted",
        "deal_expiry_reminder",
        "deal_sla_reminder",
        "deal_outcome",
    } <= set(OPTIONAL_KINDS)
    assert not {"deal_approved", "deal_rejected", "deal_sla_escalation"} & set(OPTIONAL_KINDS)
