"""Business plan pages: scope (404 outside it), drafting, approval, locking, versions, notes."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from enablement.models import JointBusinessPlan
from enablement.programs import services as program_services
from tests.factories import PartnerFactory

from .factories_programs import PlanFactory, PlanTargetFactory, ready_plan

pytestmark = pytest.mark.django_db

# Who sees Acme's plan: its people, its distributor, its CAM and ops.
ACME_PLAN_SCOPE = {
    "acme_admin": 200,
    "acme_rep": 200,
    "distri_admin": 200,
    "cam": 200,
    "ops": 200,
    "globex_admin": 404,
    "other_cam": 404,
}


@pytest.fixture
def plan(acme, cam):
    return ready_plan(partner=acme, created_by=cam, title="Acme growth")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.mark.parametrize(("who", "expected"), ACME_PLAN_SCOPE.items())
def test_the_plan_page_is_scoped(client_for, personas, plan, who, expected):
    response = client_for(personas[who]).get(reverse("enablement:plan_detail", args=[plan.pk]))
    assert response.status_code == expected
    if expected == 200:
        assert "Acme growth" in response.content.decode()


@pytest.mark.parametrize("name", ["plan_edit", "plan_approve", "plan_new_version"])
def test_plan_actions_outside_the_scope_are_404(client_for, globex_admin, other_cam, plan, name):
    for outsider in (globex_admin, other_cam):
        client = client_for(outsider)
        url = reverse(f"enablement:{name}", args=[plan.pk])
        assert client.get(url).status_code in {404, 405}
        assert client.post(url).status_code == 404


def test_check_in_pages_are_scoped(client_for, personas, plan):
    checkin = plan.checkins.get()
    url = reverse("enablement:plan_checkin", args=[plan.pk, checkin.pk])
    assert client_for(personas["globex_admin"]).get(url).status_code == 404
    assert client_for(personas["other_cam"]).get(url).status_code == 404
    assert client_for(personas["acme_rep"]).get(url).status_code == 403
    assert client_for(personas["cam"]).get(url).status_code == 200
    other = PlanFactory(partner=PartnerFactory(channel_manager=personas["cam"]))
    wrong = reverse("enablement:plan_checkin", args=[other.pk, checkin.pk])
    assert client_for(personas["cam"]).get(wrong).status_code == 404


def test_the_list_shows_only_plans_in_scope(client_for, personas, acme, globex):
    acme_plan, globex_plan = PlanFactory(partner=acme), PlanFactory(partner=globex)
    for who, expected in {
        "acme_rep": {acme_plan},
        "globex_admin": {globex_plan},
        "cam": {acme_plan},
        "other_cam": {globex_plan},
        "ops": {acme_plan, globex_plan},
    }.items():
        page = client_for(personas[who]).get(reverse("enablement:plan_list"))
        assert set(page.context["page_obj"]) == expected, who


def test_the_list_filters_and_shows_an_empty_state(client_for, cam, acme):
    PlanFactory(partner=acme, fiscal_year=2026, title="This year")
    client = client_for(cam)
    page = client.get(reverse("enablement:plan_list"), {"year": "2027"})
    assert not page.context["page_obj"].object_list
    assert "No joint business plans yet." in page.content.decode()
    page = client.get(reverse("enablement:plan_list"), {"status": "draft", "q": "this"})
    assert [p.title for p in page.context["page_obj"]] == ["This year"]


def test_the_list_queries_do_not_grow_with_rows(
    client_for, ops, cam, django_assert_max_num_queries
):
    client = client_for(ops)

    def grow(n):
        for _ in range(n):
            plan = PlanFactory(partner=PartnerFactory(channel_manager=cam))
            PlanTargetFactory(plan=plan)

    grow(2)
    with django_assert_max_num_queries(15) as small:
        assert client.get(reverse("enablement:plan_list")).status_code == 200
    grow(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("enablement:plan_list"))


def test_the_cam_drafts_a_plan_for_an_own_partner_only(client_for, cam, acme, globex):
    client = client_for(cam)
    page = client.get(reverse("enablement:plan_create"))
    assert set(page.context["form"].fields["partner"].queryset) == {acme, acme.parent_distributor}

    response = client.post(
        reverse("enablement:plan_create"),
        {"partner": globex.pk, "fiscal_year": 2026, "title": "Not mine", "currency": "USD"},
    )
    assert response.status_code == 200 and "partner" in response.context["form"].errors

    with time_machine.travel(dt.datetime(2026, 3, 1, tzinfo=dt.UTC)):
        response = client.post(
            reverse("enablement:plan_create"),
            {"partner": acme.pk, "fiscal_year": 2026, "title": "Acme FY26", "currency": "EUR"},
        )
    plan = JointBusinessPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("enablement:plan_edit", args=[plan.pk])
    assert (plan.partner, plan.currency, plan.created_by) == (acme, "EUR", cam)


def test_reps_and_the_duplicate_year_are_refused(client_for, acme_rep, acme_admin, acme):
    assert client_for(acme_rep).get(reverse("enablement:plan_create")).status_code == 403
    PlanFactory(partner=acme, fiscal_year=2026)
    with time_machine.travel(dt.datetime(2026, 3, 1, tzinfo=dt.UTC)):
        response = client_for(acme_admin).post(
            reverse("enablement:plan_create"),
            {"partner": acme.pk, "fiscal_year": 2026, "title": "Again", "currency": "USD"},
        )
    assert "already has a plan for FY2026" in response.content.decode()


def formset(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def test_editing_a_draft_through_the_page(client_for, cam, acme):
    plan = PlanFactory(partner=acme, created_by=cam)
    client = client_for(cam)
    assert client.get(reverse("enablement:plan_edit", args=[plan.pk])).status_code == 200

    response = client.post(
        reverse("enablement:plan_edit", args=[plan.pk]),
        {
            "title": "Acme FY26",
            "summary": "Healthcare first",
            **formset(
                "targets",
                [
                    {"metric": "registered_deals", "target_value": "40", "owner": "Ada",
                     "due_quarter": "4"},
                    {"metric": "", "target_value": "", "owner": "", "due_quarter": "4"},
                ],
            ),
            **formset(
                "initiatives",
                [{"title": "Webinars", "owner": "Ada", "starts_on": "2026-03-01",
                  "ends_on": "2026-06-30"}],
            ),
            **formset("checkins", [{"scheduled_on": "2026-02-15", "agenda": "Kick-off"}]),
        },
    )  # fmt: skip

    assert response.status_code == 302, response.context and response.context["form"].errors
    plan.refresh_from_db()
    assert plan.title == "Acme FY26"
    assert [t.owner for t in plan.targets.all()] == ["Ada"]
    assert [i.title for i in plan.initiatives.all()] == ["Webinars"]
    assert [str(c.scheduled_on) for c in plan.checkins.all()] == ["2026-02-15"]


def test_a_bad_edit_shows_the_error_and_keeps_the_draft(client_for, cam, acme):
    plan = PlanFactory(partner=acme, created_by=cam, title="Before")
    response = client_for(cam).post(
        reverse("enablement:plan_edit", args=[plan.pk]),
        {
            "title": "After",
            **formset("targets", []),
            **formset("initiatives", []),
            **formset("checkins", [{"scheduled_on": "2031-01-01"}]),
        },
    )
    assert response.status_code == 200
    assert "2031-01-01 is outside FY2026" in response.content.decode()
    plan.refresh_from_db()
    assert plan.title == "Before"


def test_reps_cannot_edit_and_approved_plans_are_locked(
    client_for, acme_rep, cam, plan, acme_admin
):
    assert (
        client_for(acme_rep).get(reverse("enablement:plan_edit", args=[plan.pk])).status_code == 403
    )
    program_services.approve_plan(actor=acme_admin, plan=plan)
    response = client_for(cam).post(
        reverse("enablement:plan_edit", args=[plan.pk]), {"title": "Sneaky"}, follow=True
    )
    assert "approved and locked; start a new version" in response.content.decode()
    plan.refresh_from_db()
    assert plan.title == "Acme growth"


def test_approval_from_the_page(client_for, cam, acme_admin, plan):
    response = client_for(cam).post(reverse("enablement:plan_approve", args=[plan.pk]), follow=True)
    assert "Only an admin of the partner approves" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "draft"

    page = client_for(acme_admin).get(reverse("enablement:plan_detail", args=[plan.pk]))
    assert page.context["can_approve"]
    response = client_for(acme_admin).post(
        reverse("enablement:plan_approve", args=[plan.pk]), follow=True
    )
    assert "Plan approved" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "approved"


def test_a_new_version_from_the_page(client_for, cam, acme_admin, plan):
    program_services.approve_plan(actor=acme_admin, plan=plan)
    client = client_for(cam)
    response = client.post(reverse("enablement:plan_new_version", args=[plan.pk]))
    draft = JointBusinessPlan.objects.get(status="draft")
    assert response["Location"] == reverse("enablement:plan_edit", args=[draft.pk])
    assert draft.version == 2

    response = client.post(reverse("enablement:plan_new_version", args=[plan.pk]))
    assert response["Location"] == reverse("enablement:plan_detail", args=[draft.pk])
    # The versions say who wrote each and who approved it, not one name beside "Approved".
    page = client.get(reverse("enablement:plan_detail", args=[draft.pk])).content.decode()
    plan.refresh_from_db()
    assert f"written by {plan.created_by.get_full_name()}" in page
    assert f"approved by {acme_admin.get_full_name()}" in page


@time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC))
def test_check_in_notes_from_the_page(client_for, cam, acme_admin, plan):
    program_services.approve_plan(actor=acme_admin, plan=plan)
    checkin = plan.checkins.get()
    url = reverse("enablement:plan_checkin", args=[plan.pk, checkin.pk])

    response = client_for(acme_admin).post(url, {"held_on": "2026-02-16", "notes": "On track"})

    assert response.status_code == 302
    checkin.refresh_from_db()
    assert (str(checkin.held_on), checkin.notes, checkin.notes_by) == (
        "2026-02-16",
        "On track",
        acme_admin,
    )
    response = client_for(cam).post(url, {"held_on": "2026-09-01", "notes": "Later"})
    assert "cannot be held in the future" in response.content.decode()
