"""Admin for programs: formula errors shown on the form, uploads checked, read-only records."""

import json

import pytest
from django.urls import reverse

from enablement.business_cases import services as case_services
from enablement.business_cases.calculation import BusinessCaseError
from enablement.content import services as content_services
from enablement.demo_business_cases import MSP_SECURITY_ROI
from enablement.models import Asset, BusinessCaseModel, JointBusinessPlan
from prm.exceptions import PermissionDenied
from prm.models import AuditEvent
from tests.factories import UserFactory

from .factories_programs import PNG_BYTES, PlanFactory, pdf_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(
        UserFactory(
            email="root@vendor.example", is_staff=True, is_superuser=True, internal_role="admin"
        )
    )
    return client


def model_form(**changes) -> dict:
    data = {
        "name": "ROI",
        "description": "",
        "inputs": json.dumps(MSP_SECURITY_ROI["inputs"]),
        "assumptions": json.dumps(MSP_SECURITY_ROI["assumptions"]),
        "formulas": json.dumps(MSP_SECURITY_ROI["formulas"]),
        "deal_amount_key": "first_year_price",
        "currency": "USD",
        "business_models": json.dumps(["msp"]),
        "published": "on",
    }
    data.update(changes)
    return data


def test_a_valid_model_is_saved_and_audited(admin_client):
    response = admin_client.post(reverse("admin:enablement_businesscasemodel_add"), model_form())
    assert response.status_code == 302
    model = BusinessCaseModel.objects.get()
    assert model.created_by.email == "root@vendor.example"
    assert AuditEvent.objects.for_object(model).get().verb == "business_case_model.created"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"formulas": json.dumps([{"key": "t", "label": "T", "expression": "__import__('os')",
                                      "format": "money"}])},
            "Only the functions min, max and round may be called",
        ),
        (
            {"formulas": json.dumps([{"key": "t", "label": "T", "expression": "seats.real",
                                      "format": "money"}])},
            "Attribute access (a.b) is not allowed",
        ),
        (
            {"formulas": json.dumps([{"key": "t", "label": "T", "expression": "seats * vat",
                                      "format": "money"}])},
            "Unknown name(s): vat",
        ),
        ({"deal_amount_key": "nothing"}, "nothing is not an input or a formula"),
        ({"assumptions": json.dumps({"hourly_cost": 65.5})}, "must be written as a string"),
    ],
)  # fmt: skip
def test_formula_errors_are_shown_in_the_admin(admin_client, changes, message):
    response = admin_client.post(
        reverse("admin:enablement_businesscasemodel_add"), model_form(**changes)
    )
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not BusinessCaseModel.objects.exists()


def test_assets_uploaded_in_the_admin_are_checked(admin_client):
    url = reverse("admin:enablement_asset_add")
    base = {"title": "Deck", "description": "", "kind": "pitch_deck", "business_models": "[]"}
    response = admin_client.post(url, {**base, "upload": upload("deck.pdf", PNG_BYTES)})
    assert response.status_code == 200
    assert "content is a PNG image but its name ends in .pdf" in response.content.decode()
    response = admin_client.post(url, {**base, "business_models": '["martian"]',
                                       "external_url": "https://x.example"})  # fmt: skip
    assert "Unknown business model" in response.content.decode()

    response = admin_client.post(url, {**base, "upload": upload("deck.pdf", pdf_bytes())})
    assert response.status_code == 302
    asset = Asset.objects.get()
    assert asset.original_filename == "deck.pdf" and asset.file.name.startswith("enablement/")
    assert AuditEvent.objects.for_object(asset).get().verb == "asset.created"


def test_a_link_replaces_a_file_in_the_admin(admin_client, ops):
    asset = content_services.create_asset(
        actor=ops, title="Doc", kind="collateral", upload=upload("a.pdf", pdf_bytes())
    )
    response = admin_client.post(
        reverse("admin:enablement_asset_change", args=[asset.pk]),
        {"title": "Doc", "kind": "collateral", "business_models": "[]",
         "external_url": "https://docs.example/a"},
    )  # fmt: skip
    assert response.status_code == 302
    asset.refresh_from_db()
    assert (asset.file.name, asset.external_url) == ("", "https://docs.example/a")


def test_plans_are_read_only_in_the_admin(admin_client, acme):
    plan = PlanFactory(partner=acme)
    change = reverse("admin:enablement_jointbusinessplan_change", args=[plan.pk])
    assert admin_client.get(change).status_code == 200
    admin_client.post(change, {"title": "Edited in admin"})
    assert JointBusinessPlan.objects.get().title == plan.title
    assert admin_client.get(reverse("admin:enablement_jointbusinessplan_add")).status_code == 403


@pytest.mark.parametrize(
    "model",
    [
        "onboardingtemplate", "onboardingstep", "onboardingprogress", "onboardingcheck",
        "jointbusinessplan", "plantarget", "planinitiative", "plancheckin", "asset",
        "assetusage", "businesscasemodel", "businesscase", "businesscaseusage",
    ],
)  # fmt: skip
def test_every_model_has_an_admin_list(admin_client, model):
    assert admin_client.get(reverse(f"admin:enablement_{model}_changelist")).status_code == 200


def test_enablement_settings_changed_in_the_admin_are_audited(admin_client):
    from enablement.models import EnablementSettings

    row = EnablementSettings.current()
    response = admin_client.post(
        reverse("admin:enablement_enablementsettings_change", args=[row.pk]),
        {"expiry_warning_days": "30"},
    )
    assert response.status_code == 302
    assert EnablementSettings.current().expiry_warning_days == 30
    event = AuditEvent.objects.for_object(row).get()
    assert (event.verb, event.from_state, event.to_state) == (
        "enablement.settings_changed",
        "60",
        "30",
    )


def test_the_asset_and_model_services_behind_the_admin_refuse_non_ops(cam):
    asset = Asset(title="Deck", kind="pitch_deck", external_url="https://x.example")
    with pytest.raises(PermissionDenied):
        content_services.save_asset(actor=cam, asset=asset)
    model = BusinessCaseModel(
        name="ROI", **{k: MSP_SECURITY_ROI[k] for k in ("inputs", "assumptions", "formulas")}
    )
    with pytest.raises(PermissionDenied):
        case_services.save_business_case_model(actor=cam, model=model)
    assert not Asset.objects.exists() and not BusinessCaseModel.objects.exists()


def test_a_business_case_model_is_checked_by_the_service_whatever_the_form(ops):
    model = BusinessCaseModel(
        name="Broken",
        inputs=MSP_SECURITY_ROI["inputs"],
        assumptions=MSP_SECURITY_ROI["assumptions"],
        formulas=[{"key": "t", "label": "T", "expression": "seats * vat", "format": "money"}],
    )
    with pytest.raises(BusinessCaseError, match="definition is invalid") as caught:
        case_services.save_business_case_model(actor=ops, model=model)
    assert "formulas" in caught.value.details
    assert not BusinessCaseModel.objects.exists()
