"""Certifications of the catalogue and onboarding checklists through the API: program ops
change them through the Program area's services, with the portal's refusals and one audit row
holding the before and after; nobody else does, and a partner-bound key never does."""

import pytest

from enablement.models import Certification, OnboardingStep, OnboardingTemplate, Role
from enablement.programs.checklists import StepRow, save_onboarding_template
from enablement.programs.onboarding import start_onboarding
from prm.audit import events_for
from tests.enablement.factories import CertificationFactory, CourseFactory, TrackFactory

from .assertions import error_of

pytestmark = pytest.mark.django_db

CERTIFICATIONS, CHECKLISTS = "/api/v1/certifications/", "/api/v1/onboarding-checklists/"
Kind = OnboardingStep.Kind

CHECKLIST = {
    "name": "MSP onboarding",
    "business_model": "msp",
    "steps": [
        {"kind": Kind.AGREEMENT_ACCEPTED, "title": "Accept the agreement"},
        {"kind": Kind.FIRST_CERTIFICATIONS, "title": "Certify two people", "required_count": 2},
    ],
}


class TestCertifications:
    def test_ops_add_and_change_a_certification_with_before_and_after(self, session_for, ops):
        client = session_for(ops)
        course = CourseFactory(track=TrackFactory(role=Role.SALES))
        created = client.post(
            CERTIFICATIONS,
            {"code": "sales-pro", "name": "Sales Pro", "kind": "sales", "course": course.code},
            format="json",
        )
        assert created.status_code == 201, created.json()
        pk = created.json()["id"]
        assert created.json()["course"] == course.code

        changed = client.patch(
            f"{CERTIFICATIONS}{pk}/", {"validity_months": 12, "points": 5}, format="json"
        )

        assert changed.status_code == 200, changed.json()
        assert (changed.json()["validity_months"], changed.json()["name"]) == (12, "Sales Pro")
        certification = Certification.objects.get(pk=pk)
        verbs = [e.verb for e in events_for(certification).order_by("id")]
        assert verbs == ["certification_created", "certification_updated"]
        latest = events_for(certification).order_by("-id").first()
        assert latest.actor == ops
        assert latest.data["changes"]["validity_months"] == {"before": 24, "after": 12}

    def test_a_course_for_another_role_is_refused_with_the_portal_message(self, session_for, ops):
        course = CourseFactory(track=TrackFactory(role=Role.TECHNICAL))

        response = session_for(ops).post(
            CERTIFICATIONS,
            {"code": "sales-x", "name": "Sales X", "kind": "sales", "course": course.code},
            format="json",
        )

        assert response.status_code == 400
        error = error_of(response)
        assert error["message"] == "A Sales certification cannot be earned on a Technical course."
        assert error["details"]["course"] == ["Choose a Sales course or no course."]
        assert not Certification.objects.filter(code="sales-x").exists()

    def test_zero_months_and_a_taken_code_are_refused(self, session_for, ops):
        CertificationFactory(code="taken")
        client = session_for(ops)
        zero = client.post(
            CERTIFICATIONS,
            {"code": "new", "name": "New", "kind": "sales", "validity_months": 0},
            format="json",
        )
        taken = client.post(
            CERTIFICATIONS, {"code": "taken", "name": "Again", "kind": "sales"}, format="json"
        )

        assert zero.status_code == 400
        assert error_of(zero)["message"] == "A certification is valid for at least one month."
        assert taken.status_code == 409
        assert Certification.objects.count() == 1

    @pytest.mark.parametrize("who", ["acme_admin", "cam"])
    def test_nobody_else_changes_certifications(self, who, personas, session_for):
        certification = CertificationFactory(name="Sales Pro")
        client = session_for(personas[who])
        body = {"code": "mine", "name": "Mine", "kind": "sales"}
        assert client.post(CERTIFICATIONS, body, format="json").status_code == 403
        patch = client.patch(f"{CERTIFICATIONS}{certification.pk}/", {"name": "Mine"})
        assert patch.status_code == 403
        assert Certification.objects.get(pk=certification.pk).name == "Sales Pro"

    def test_a_partner_bound_write_key_cannot_change_them(self, key_client, acme):
        certification = CertificationFactory(name="Sales Pro")
        client = key_client("enablement:read", "enablement:write", partner=acme)
        response = client.patch(f"{CERTIFICATIONS}{certification.pk}/", {"name": "Mine"})
        assert response.status_code == 403
        assert Certification.objects.get(pk=certification.pk).name == "Sales Pro"


class TestOnboardingChecklists:
    def test_ops_create_a_checklist_with_its_steps(self, session_for, ops):
        response = session_for(ops).post(CHECKLISTS, CHECKLIST, format="json")

        assert response.status_code == 201, response.json()
        steps = response.json()["steps"]
        assert [(s["kind"], s["required_count"], s["position"]) for s in steps] == [
            (Kind.AGREEMENT_ACCEPTED, 1, 0),
            (Kind.FIRST_CERTIFICATIONS, 2, 1),
        ]
        template = OnboardingTemplate.objects.get(business_model="msp")
        assert events_for(template).get().data["changes"]["steps"]["after"] == [
            "1. Accept the agreement (agreement_accepted)",
            "2. Certify two people (first_certifications, 2 people)",
        ]

    def test_a_change_keeps_steps_by_id_and_those_it_does_not_send(self, session_for, ops):
        client = session_for(ops)
        created = client.post(CHECKLISTS, CHECKLIST, format="json").json()
        first, second = created["steps"]
        url = f"{CHECKLISTS}{created['id']}/"

        renamed = client.patch(url, {"description": "Start here"}, format="json")
        rewritten = client.patch(
            url,
            {"steps": [{"id": second["id"], "kind": second["kind"], "title": "Certify two"}]},
            format="json",
        )

        assert renamed.json()["steps"] == created["steps"]
        assert rewritten.status_code == 200, rewritten.json()
        assert [(s["id"], s["title"]) for s in rewritten.json()["steps"]] == [
            (second["id"], "Certify two")
        ]
        assert not OnboardingStep.objects.filter(pk=first["id"]).exists()

    def test_a_repeated_create_with_one_idempotency_key_adds_one_checklist(self, session_for, ops):
        client = session_for(ops)
        for _attempt in range(2):
            response = client.post(
                CHECKLISTS, CHECKLIST, format="json", HTTP_IDEMPOTENCY_KEY="msp-checklist"
            )
            assert response.status_code == 201
        assert OnboardingTemplate.objects.count() == 1

    @pytest.mark.parametrize(
        ("steps", "message"),
        [
            (
                [{"kind": Kind.AGREEMENT_ACCEPTED, "title": "A", "required_count": 3}],
                "only “First people certified” counts people",
            ),
            (
                [
                    {"kind": Kind.AGREEMENT_ACCEPTED, "title": "A"},
                    {"kind": Kind.AGREEMENT_ACCEPTED, "title": "B"},
                ],
                "These steps appear twice",
            ),
            ([], "A checklist needs at least one step."),
        ],
    )
    def test_checklists_that_cannot_work_are_refused(self, session_for, ops, steps, message):
        response = session_for(ops).post(CHECKLISTS, {**CHECKLIST, "steps": steps}, format="json")

        assert response.status_code == 400
        error = error_of(response)
        assert error["message"] == "The checklist cannot be saved."
        assert message in error["details"]["steps"]
        assert not OnboardingTemplate.objects.exists()

    def test_a_checklist_in_use_is_not_removed_and_an_unused_one_is(self, session_for, ops, acme):
        used = save_onboarding_template(
            actor=ops, name="Default", steps=[StepRow(kind=Kind.CUSTOM, title="Kick-off")]
        )
        acme.status = acme.Status.ONBOARDING
        acme.save()
        start_onboarding(partner=acme, actor=ops)
        unused = save_onboarding_template(
            actor=ops,
            name="MSP",
            business_model="msp",
            steps=[StepRow(kind=Kind.CUSTOM, title="Kick-off")],
        )
        client = session_for(ops)

        refused = client.delete(f"{CHECKLISTS}{used.pk}/")
        removed = client.delete(f"{CHECKLISTS}{unused.pk}/")

        assert refused.status_code == 400
        assert error_of(refused)["message"] == (
            "Partners are onboarding with this checklist; change it instead."
        )
        assert removed.status_code == 204
        assert list(OnboardingTemplate.objects.values_list("pk", flat=True)) == [used.pk]
        assert events_for(unused).order_by("-id").first().verb == "onboarding_template.deleted"

    def test_staff_read_checklists_and_only_ops_change_them(
        self, session_for, ops, cam, acme_admin, key_client, acme
    ):
        template = save_onboarding_template(
            actor=ops, name="Default", steps=[StepRow(kind=Kind.CUSTOM, title="Kick-off")]
        )
        url = f"{CHECKLISTS}{template.pk}/"
        assert session_for(cam).get(CHECKLISTS).json()["count"] == 1
        assert session_for(acme_admin).get(CHECKLISTS).status_code == 403
        bound = key_client("program:read", "program:write", partner=acme)
        for client in (session_for(cam), session_for(acme_admin), bound):
            assert client.patch(url, {"name": "Mine"}, format="json").status_code == 403
            assert client.delete(url).status_code == 403
        assert OnboardingTemplate.objects.get(pk=template.pk).name == "Default"


def test_listing_checklists_costs_the_same_queries_for_more_rows(
    session_for, ops, django_assert_max_num_queries
):
    client = session_for(ops)
    steps = [StepRow(kind=Kind.CUSTOM, title="Kick-off"), StepRow(kind=Kind.CUSTOM, title="Call")]
    save_onboarding_template(actor=ops, name="Default", steps=steps)
    with django_assert_max_num_queries(8) as few:
        client.get(CHECKLISTS)
    baseline = len(few)
    for model in ("msp", "reseller", "isv"):
        save_onboarding_template(actor=ops, name=model, business_model=model, steps=steps)
    with django_assert_max_num_queries(baseline):
        assert client.get(CHECKLISTS).json()["count"] == 4
