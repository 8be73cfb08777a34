"""Enablement writes the portal has and the API gained: drafting and editing joint business
plans, recording check-in notes, ticking onboarding steps and adding library assets. Each calls
the portal's service, so the same people may do it and the same audit rows are written."""

import datetime as dt

import pytest

from enablement.models import Asset, JointBusinessPlan, OnboardingCheck, OnboardingStep
from enablement.programs import selectors as program_selectors
from enablement.programs import services as program_services
from prm.audit import events_for
from prm.models import AuditEvent
from tests.enablement.factories_programs import (
    full_template,
    pdf_bytes,
    ready_plan,
    upload,
)
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db
PLANS = "/api/v1/business-plans/"
ONBOARDING = "/api/v1/onboarding/"
ASSETS = "/api/v1/assets/"


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def this_year() -> int:
    return program_selectors.plan_fiscal_years()[1]


@pytest.fixture
def plan(acme, cam):
    return ready_plan(partner=acme, created_by=cam, title="Acme growth")


# --- Plans: create ----------------------------------------------------------------------------


class TestPlanCreate:
    def test_the_partners_cam_drafts_a_plan(self, session_for, cam, acme):
        answer = session_for(cam).post(
            PLANS,
            {"partner": acme.pk, "fiscal_year": this_year(), "title": "  Joint growth  "},
            format="json",
        )
        assert answer.status_code == 201, answer.content
        body = answer.json()
        assert (body["title"], body["status"], body["version"]) == ("Joint growth", "draft", 1)
        plan = JointBusinessPlan.objects.get(pk=body["id"])
        assert events_for(plan).filter(verb="plan.created", actor=cam).exists()

    def test_a_partner_admin_with_one_partner_may_leave_the_partner_out(
        self, session_for, acme_admin, acme
    ):
        answer = session_for(acme_admin).post(
            PLANS, {"fiscal_year": this_year(), "title": "Ours"}, format="json"
        )
        assert answer.status_code == 201, answer.content
        assert answer.json()["partner"]["id"] == acme.pk

    def test_bad_input_is_a_400_and_creates_nothing(self, session_for, cam, acme):
        client = session_for(cam)
        far = client.post(
            PLANS, {"partner": acme.pk, "fiscal_year": 1999, "title": "Old"}, format="json"
        )
        assert far.status_code == 400 and "fiscal_year" in error_of(far)["details"]
        untitled = client.post(PLANS, {"partner": acme.pk, "fiscal_year": this_year()})
        assert untitled.status_code == 400 and "title" in error_of(untitled)["details"]
        assert not JointBusinessPlan.objects.exists()

    def test_a_second_plan_for_the_year_is_a_409(self, session_for, cam, acme):
        client = session_for(cam)
        body = {"partner": acme.pk, "fiscal_year": this_year(), "title": "First"}
        assert client.post(PLANS, body, format="json").status_code == 201
        again = client.post(PLANS, {**body, "title": "Second"}, format="json")
        assert again.status_code == 409 and error_of(again)["code"] == "plan_exists"

    def test_a_rep_may_not_draft(self, session_for, acme_rep, acme):
        answer = session_for(acme_rep).post(
            PLANS, {"partner": acme.pk, "fiscal_year": this_year(), "title": "X"}, format="json"
        )
        assert answer.status_code == 403
        assert not JointBusinessPlan.objects.exists()

    def test_another_partner_is_out_of_scope(self, session_for, key_client, acme, globex_admin,
                                             other_cam):  # fmt: skip
        body = {"partner": acme.pk, "fiscal_year": this_year(), "title": "Not yours"}
        assert session_for(globex_admin).post(PLANS, body, format="json").status_code == 404
        assert session_for(other_cam).post(PLANS, body, format="json").status_code == 404
        assert not JointBusinessPlan.objects.exists()

    def test_keys_follow_their_principal_and_scope(self, key_client, acme):
        body = {"partner": acme.pk, "fiscal_year": this_year(), "title": "From the CRM"}
        # A partner-bound key acts as a rep of the partner: reps do not draft plans.
        partner_key = key_client("enablement:read", "enablement:write", partner=acme)
        assert partner_key.post(PLANS, body, format="json").status_code == 403
        assert key_client("enablement:read").post(PLANS, body, format="json").status_code == 403
        program_key = key_client("enablement:write")
        assert program_key.post(PLANS, body, format="json").status_code == 201


# --- Plans: edit ------------------------------------------------------------------------------


def _content(year: int) -> dict:
    return {
        "title": "Acme growth, revised",
        "summary": "Mid-market in the north.",
        "targets": [
            {"metric": "registered_deals", "target_value": "30", "owner": "Ada", "due_quarter": 2},
            {"metric": "certified_people", "target_value": "4", "owner": "Rex", "due_quarter": 4},
        ],
        "initiatives": [
            {
                "title": "Roadshow",
                "owner": "Casey",
                "starts_on": f"{year}-03-01",
                "ends_on": f"{year}-04-30",
            }
        ],
        "checkins": [{"scheduled_on": f"{year}-06-15", "agenda": "Half-year review"}],
    }


class TestPlanEdit:
    def test_a_draft_is_changed_through_the_service(self, session_for, cam, plan):
        answer = session_for(cam).patch(
            f"{PLANS}{plan.pk}/", _content(plan.fiscal_year), format="json"
        )
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert body["title"] == "Acme growth, revised"
        assert [(t["metric"], t["target_value"]) for t in body["targets"]] == [
            ("registered_deals", "30.00"),
            ("certified_people", "4.00"),
        ]
        assert [c["scheduled_on"] for c in body["checkins"]] == [f"{plan.fiscal_year}-06-15"]
        updated = events_for(plan).filter(verb="plan.updated").get()
        assert (updated.actor, updated.data["targets"]) == (cam, 2)

    def test_lists_left_out_are_kept_and_kept_checkins_keep_their_notes(
        self, session_for, cam, plan
    ):
        checkin = plan.checkins.get()
        program_services.record_checkin(
            actor=cam, checkin=checkin, held_on=checkin.scheduled_on, notes="Pipeline reviewed"
        )
        client = session_for(cam)
        answer = client.patch(
            f"{PLANS}{plan.pk}/",
            {"checkins": [{"id": checkin.pk, "scheduled_on": str(checkin.scheduled_on),
                           "agenda": "Kick-off"}]},
            format="json",
        )  # fmt: skip
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert body["title"] == "Acme growth" and len(body["targets"]) == 1
        assert [(c["id"], c["agenda"], c["notes"]) for c in body["checkins"]] == [
            (checkin.pk, "Kick-off", "Pipeline reviewed")
        ]

    def test_the_services_rules_answer_400_and_change_nothing(self, session_for, cam, plan):
        content = _content(plan.fiscal_year)
        content["initiatives"][0]["ends_on"] = f"{plan.fiscal_year + 2}-01-31"
        answer = session_for(cam).patch(f"{PLANS}{plan.pk}/", content, format="json")
        assert answer.status_code == 400
        assert error_of(answer)["code"] == "plan_error"
        bad_metric = session_for(cam).patch(
            f"{PLANS}{plan.pk}/",
            {"targets": [{"metric": "vibes", "target_value": "1", "owner": "A", "due_quarter": 1}]},
            format="json",
        )
        assert bad_metric.status_code == 400 and "targets" in error_of(bad_metric)["details"]
        plan.refresh_from_db()
        assert plan.title == "Acme growth" and plan.targets.count() == 1
        assert not events_for(plan).filter(verb="plan.updated").exists()

    def test_an_approved_plan_is_locked(self, session_for, cam, acme_admin, plan):
        program_services.approve_plan(actor=acme_admin, plan=plan)
        answer = session_for(cam).patch(f"{PLANS}{plan.pk}/", {"title": "Late"}, format="json")
        assert answer.status_code == 409 and error_of(answer)["code"] == "plan_locked"

    def test_a_rep_may_read_but_not_edit(self, session_for, acme_rep, plan):
        answer = session_for(acme_rep).patch(f"{PLANS}{plan.pk}/", {"title": "Mine"})
        assert answer.status_code == 403
        assert JointBusinessPlan.objects.get(pk=plan.pk).title == "Acme growth"

    def test_another_partner_gets_a_404(self, session_for, key_client, globex, globex_admin,
                                        other_cam, plan):  # fmt: skip
        for client in (
            session_for(globex_admin),
            session_for(other_cam),
            key_client("enablement:read", "enablement:write", partner=globex),
        ):
            assert client.patch(f"{PLANS}{plan.pk}/", {"title": "X"}).status_code == 404
        assert JointBusinessPlan.objects.get(pk=plan.pk).title == "Acme growth"


# --- Plans: check-in notes --------------------------------------------------------------------


class TestCheckIn:
    def url(self, plan) -> str:
        return f"{PLANS}{plan.pk}/check-ins/{plan.checkins.get().pk}/"

    def test_the_cam_records_notes(self, session_for, cam, plan):
        held = plan.checkins.get().scheduled_on
        answer = session_for(cam).post(
            self.url(plan), {"held_on": str(held), "notes": "On track"}, format="json"
        )
        assert answer.status_code == 200, answer.content
        assert answer.json()["checkins"][0]["notes"] == "On track"
        assert events_for(plan).filter(verb="plan.checkin_recorded", actor=cam).exists()

    def test_bad_input_is_a_400(self, session_for, cam, plan):
        client = session_for(cam)
        missing = client.post(self.url(plan), {"notes": "No date"}, format="json")
        assert missing.status_code == 400 and "held_on" in error_of(missing)["details"]
        future = dt.date.today() + dt.timedelta(days=30)
        later = client.post(self.url(plan), {"held_on": str(future), "notes": "x"}, format="json")
        assert later.status_code == 400 and error_of(later)["code"] == "plan_error"
        assert plan.checkins.get().notes == ""

    def test_a_rep_may_not_and_another_partner_cannot_see_it(
        self, session_for, acme_rep, globex_admin, plan
    ):
        body = {"held_on": str(plan.checkins.get().scheduled_on), "notes": "x"}
        assert session_for(acme_rep).post(self.url(plan), body, format="json").status_code == 403
        assert session_for(globex_admin).post(self.url(plan), body, format="json").status_code == (
            404
        )
        # A check-in of another plan is not found under this one.
        other = ready_plan(partner=PartnerFactory()).checkins.get()
        wrong = f"{PLANS}{plan.pk}/check-ins/{other.pk}/"
        assert session_for(acme_rep).post(wrong, body, format="json").status_code == 404
        assert plan.checkins.get().notes == "" and other.notes == ""


# --- Onboarding -------------------------------------------------------------------------------


@pytest.fixture
def checklist(acme):
    return full_template(acme.business_model)


def step_of(template, kind) -> OnboardingStep:
    return template.steps.get(kind=kind)


class TestOnboardingCheck:
    def url(self, partner) -> str:
        return f"{ONBOARDING}{partner.pk}/check/"

    def test_the_cam_ticks_the_introductory_meeting(self, session_for, cam, acme, checklist):
        meeting = step_of(checklist, OnboardingStep.Kind.INTRODUCTORY_MEETING)
        before = session_for(cam).get(f"{ONBOARDING}{acme.pk}/").json()["done"]
        answer = session_for(cam).post(
            self.url(acme), {"step": meeting.pk, "done": True, "note": "Met Ada"}, format="json"
        )
        assert answer.status_code == 200, answer.content
        body = answer.json()
        state = next(s for s in body["steps"] if s["id"] == meeting.pk)
        assert (state["done"], state["note"], state["checked_by"]) == (True, "Met Ada", cam.email)
        assert (body["done"], body["total"]) == (before + 1, 5)
        assert AuditEvent.objects.filter(verb="onboarding.step_checked", actor=cam).exists()
        # And open again.
        again = session_for(cam).post(
            self.url(acme), {"step": meeting.pk, "done": False}, format="json"
        )
        assert again.status_code == 200
        assert not OnboardingCheck.objects.exists()
        assert AuditEvent.objects.filter(verb="onboarding.step_unchecked").exists()

    def test_the_checklist_reads_with_what_the_caller_may_check(
        self, session_for, acme_admin, acme, checklist
    ):
        body = session_for(acme_admin).get(f"{ONBOARDING}{acme.pk}/").json()
        may = {s["kind"] for s in body["steps"] if s["can_check"]}
        assert may == {"custom"}

    def test_refusals(self, session_for, acme_admin, acme, checklist):
        client = session_for(acme_admin)
        meeting = step_of(checklist, OnboardingStep.Kind.INTRODUCTORY_MEETING)
        refused = client.post(self.url(acme), {"step": meeting.pk, "done": True}, format="json")
        assert refused.status_code == 403
        fact = step_of(checklist, OnboardingStep.Kind.AGREEMENT_ACCEPTED)
        assert (
            client.post(self.url(acme), {"step": fact.pk, "done": True}, format="json").status_code
            == 403
        )
        unknown = client.post(self.url(acme), {"step": 999999, "done": True}, format="json")
        assert unknown.status_code == 400 and "step" in error_of(unknown)["details"]
        no_done = client.post(self.url(acme), {"step": meeting.pk}, format="json")
        assert no_done.status_code == 400 and "done" in error_of(no_done)["details"]
        assert not OnboardingCheck.objects.exists()

    def test_another_partner_gets_a_404(self, session_for, key_client, globex, globex_admin,
                                        other_cam, acme, checklist):  # fmt: skip
        custom = step_of(checklist, OnboardingStep.Kind.CUSTOM)
        body = {"step": custom.pk, "done": True}
        for client in (
            session_for(globex_admin),
            session_for(other_cam),
            key_client("enablement:read", "enablement:write", partner=globex),
        ):
            assert client.post(self.url(acme), body, format="json").status_code == 404
        assert not OnboardingCheck.objects.exists()

    def test_a_program_key_checks_with_the_write_scope(self, key_client, acme, checklist):
        meeting = step_of(checklist, OnboardingStep.Kind.INTRODUCTORY_MEETING)
        body = {"step": meeting.pk, "done": True}
        assert (
            key_client("enablement:read").post(self.url(acme), body, format="json").status_code
            == 403
        )
        answer = key_client("enablement:write").post(self.url(acme), body, format="json")
        assert answer.status_code == 200
        assert OnboardingCheck.objects.filter(step=meeting).exists()


# --- Library assets ---------------------------------------------------------------------------


class TestAssetCreate:
    def test_ops_upload_a_co_brandable_file(self, session_for, ops, tiers):
        answer = session_for(ops).post(
            ASSETS,
            {
                "title": "Battlecard",
                "kind": "collateral",
                "file": upload("battlecard.pdf", pdf_bytes("Battlecard")),
                "tiers": [tiers[1].pk, tiers[2].pk],
                "business_models": ["msp"],
                "co_brandable": "true",
                "published": "true",
            },
            format="multipart",
        )
        assert answer.status_code == 201, answer.content
        body = answer.json()
        assert (body["original_filename"], body["content_type"]) == (
            "battlecard.pdf",
            "application/pdf",
        )
        assert body["co_brandable"] and body["published"]
        assert sorted(body["tiers"]) == sorted([tiers[1].name, tiers[2].name])
        assert body["business_models"] == ["msp"]
        asset = Asset.objects.get(pk=body["id"])
        assert events_for(asset).filter(verb="asset.created", actor=ops).exists()

    def test_a_link_may_come_as_json(self, session_for, ops):
        answer = session_for(ops).post(
            ASSETS,
            {"title": "Demo video", "kind": "video", "external_url": "https://video.example/1"},
            format="json",
        )
        assert answer.status_code == 201, answer.content
        assert answer.json()["is_link"] is True

    def test_bad_input_is_a_400_and_stores_nothing(self, session_for, ops):
        client = session_for(ops)
        both_missing = client.post(ASSETS, {"title": "X", "kind": "collateral"}, format="json")
        assert both_missing.status_code == 400
        assert error_of(both_missing)["code"] == "content_error"
        disguised = client.post(
            ASSETS,
            {"title": "X", "kind": "collateral", "file": upload("x.pdf", b"MZ\x90\x00 not pdf")},
            format="multipart",
        )
        assert disguised.status_code == 400
        assert error_of(disguised)["code"] == "upload_rejected"
        bad_kind = client.post(
            ASSETS, {"title": "X", "kind": "gossip", "external_url": "https://x.example"}
        )
        assert bad_kind.status_code == 400 and "kind" in error_of(bad_kind)["details"]
        assert not Asset.objects.exists()

    def test_only_program_ops_add_assets(self, session_for, key_client, cam, acme_admin, acme):
        body = {"title": "X", "kind": "collateral", "external_url": "https://x.example"}
        for client in (
            session_for(cam),
            session_for(acme_admin),
            key_client("enablement:read", "enablement:write", partner=acme),
            key_client("enablement:read"),
        ):
            assert client.post(ASSETS, body, format="json").status_code == 403
        assert not Asset.objects.exists()
        assert key_client("enablement:write").post(ASSETS, body, format="json").status_code == 201


def test_the_onboarding_list_is_scoped_and_does_not_grow_in_queries(session_for, ops, cam, acme):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from partners.models import Partner

    full_template(acme.business_model)
    Partner.objects.filter(pk=acme.pk).update(status=Partner.Status.ONBOARDING)
    client = session_for(ops)
    with CaptureQueriesContext(connection) as few:
        first = client.get(ONBOARDING).json()
    assert [row["partner"]["id"] for row in first["results"]] == [acme.pk]
    for _ in range(3):
        PartnerFactory(status=Partner.Status.ONBOARDING, business_model=acme.business_model)
    with CaptureQueriesContext(connection) as many:
        assert client.get(ONBOARDING).json()["count"] == 4
    assert len(many) == len(few)
    # A CAM sees only the partners assigned to them.
    assert [r["partner"]["id"] for r in session_for(cam).get(ONBOARDING).json()["results"]] == [
        acme.pk
    ]
