"""The certification catalog, onboarding checklists and enablement settings in the portal:
ops change them, audited with before and after; what cannot work is refused."""

import pytest
from django.urls import reverse

from enablement.models import (
    Certification,
    EnablementSettings,
    OnboardingStep,
    OnboardingTemplate,
    Role,
)
from enablement.programs.checklists import StepRow, save_onboarding_template
from enablement.programs.onboarding import start_onboarding
from prm.audit import events_for
from tests.enablement.factories import CertificationFactory, CourseFactory, TrackFactory

pytestmark = pytest.mark.django_db
Kind = OnboardingStep.Kind


def test_ops_change_a_certification_with_before_and_after(client_for, ops):
    certification = CertificationFactory(code="sales-pro", name="Sales Pro", validity_months=24)
    response = client_for(ops).post(
        reverse("program:certification_edit", args=[certification.pk]),
        {
            "code": "sales-pro",
            "name": "Sales Professional",
            "kind": "sales",
            "validity_months": 12,
            "points": 10,
            "description": "",
        },
    )
    assert response.status_code == 302
    certification.refresh_from_db()
    assert (certification.name, certification.validity_months) == ("Sales Professional", 12)
    event = events_for(certification).get()
    assert event.actor == ops
    assert event.data["changes"]["validity_months"] == {"before": 24, "after": 12}
    assert event.data["changes"]["name"] == {"before": "Sales Pro", "after": "Sales Professional"}


def test_a_certification_on_a_course_for_another_role_is_refused(client_for, ops):
    course = CourseFactory(track=TrackFactory(role=Role.TECHNICAL))
    response = client_for(ops).post(
        reverse("program:certification_create"),
        {
            "code": "sales-x",
            "name": "Sales X",
            "kind": "sales",
            "validity_months": 12,
            "points": 0,
            "course": course.pk,
        },
    )
    assert response.status_code == 200
    assert "Choose a Sales course" in str(response.context["form"].errors["course"])
    assert not Certification.objects.filter(code="sales-x").exists()


def test_ops_add_a_track_and_a_course(client_for, ops):
    client = client_for(ops)
    response = client.post(
        reverse("program:track_create"),
        {"name": "MSP sales", "role": "sales", "business_models": ["msp"], "position": 1},
    )
    assert response.status_code == 302
    track = TrackFactory._meta.model.objects.get(name="MSP sales")
    assert track.business_models == ["msp"]
    response = client.post(
        reverse("program:course_create"),
        {
            "track": track.pk,
            "title": "Selling managed services",
            "code": "msp-101",
            "duration_minutes": 45,
            "role": "sales",
            "position": 0,
        },
    )
    assert response.status_code == 302
    assert events_for(track).get().data["changes"]["name"] == {"before": None, "after": "MSP sales"}


def test_a_duplicate_track_name_is_refused(client_for, ops):
    TrackFactory(name="MSP sales")
    response = client_for(ops).post(
        reverse("program:track_create"), {"name": "MSP sales", "role": "sales", "position": 1}
    )
    assert response.status_code == 200
    assert "already uses this name" in str(response.context["form"].errors)


def test_enablement_settings_are_audited_and_bounded(client_for, ops):
    CertificationFactory(validity_months=2)
    client = client_for(ops)
    response = client.post(reverse("program:enablement_settings"), {"expiry_warning_days": 30})
    assert response.status_code == 302
    event = events_for(EnablementSettings.current()).get()
    assert event.data["changes"] == {"expiry_warning_days": {"before": 60, "after": 30}}
    # Warning 90 days ahead of a certification valid for two months warns on the day it is earned.
    response = client.post(reverse("program:enablement_settings"), {"expiry_warning_days": 90})
    assert response.status_code == 200
    assert "warn fewer than 56 days ahead" in str(response.context["form"].errors)
    assert EnablementSettings.current().expiry_warning_days == 30


def _checklist_form(**overrides):
    data = {
        "name": "MSP onboarding",
        "business_model": "msp",
        "description": "",
        "step-TOTAL_FORMS": 3,
        "step-INITIAL_FORMS": 0,
        "step-0-kind": Kind.AGREEMENT_ACCEPTED,
        "step-0-title": "Accept the agreement",
        "step-0-required_count": 1,
        "step-1-kind": Kind.FIRST_CERTIFICATIONS,
        "step-1-title": "Certify two people",
        "step-1-required_count": 2,
        "step-2-kind": "",
        "step-2-title": "",
        "step-2-required_count": 1,
    }
    return {**data, **overrides}


def test_ops_create_a_checklist_for_a_business_model(client_for, ops):
    response = client_for(ops).post(reverse("program:onboarding_create"), _checklist_form())
    assert response.status_code == 302
    template = OnboardingTemplate.objects.get(business_model="msp")
    assert [(s.kind, s.required_count) for s in template.steps.all()] == [
        (Kind.AGREEMENT_ACCEPTED, 1),
        (Kind.FIRST_CERTIFICATIONS, 2),
    ]
    event = events_for(template).get()
    assert event.data["changes"]["steps"]["after"] == [
        "1. Accept the agreement (agreement_accepted)",
        "2. Certify two people (first_certifications, 2 people)",
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"step-0-required_count": 3}, "only “First people certified” counts people"),
        ({"step-1-kind": Kind.AGREEMENT_ACCEPTED}, "These steps appear twice"),
        (
            {"step-0-kind": "", "step-0-title": "", "step-1-kind": "", "step-1-title": ""},
            "at least one step",
        ),
    ],
)
def test_checklists_that_cannot_work_are_refused(client_for, ops, overrides, message):
    response = client_for(ops).post(
        reverse("program:onboarding_create"), _checklist_form(**overrides)
    )
    assert response.status_code == 200
    assert message in str(response.context["formset"].non_form_errors())
    assert not OnboardingTemplate.objects.exists()


def test_a_second_checklist_for_the_same_model_is_refused(client_for, ops):
    OnboardingTemplate.objects.create(name="MSP", business_model="msp")
    response = client_for(ops).post(reverse("program:onboarding_create"), _checklist_form())
    assert response.status_code == 200
    assert "business_model" in response.context["form"].errors


def test_a_checklist_in_use_cannot_be_removed_but_can_change(ops, acme):
    template = save_onboarding_template(
        actor=ops,
        name="Default",
        business_model="",
        steps=[StepRow(kind=Kind.INTRODUCTORY_MEETING, title="Kick-off")],
    )
    acme.status = acme.Status.ONBOARDING
    acme.save()
    start_onboarding(partner=acme, actor=ops)
    from enablement.exceptions import EnablementError
    from enablement.programs.checklists import delete_onboarding_template

    with pytest.raises(EnablementError, match="onboarding with this checklist"):
        delete_onboarding_template(actor=ops, template=template)
    kept = template.steps.get()
    save_onboarding_template(
        actor=ops,
        template=template,
        name="Default",
        business_model="",
        steps=[StepRow(kind=Kind.INTRODUCTORY_MEETING, title="Kick-off call", pk=kept.pk)],
    )
    assert template.steps.get().pk == kept.pk
