"""Onboarding pages: the partner's checklist, the CAM's list with progress, checks, widget."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from enablement.models import OnboardingCheck, OnboardingStep
from enablement.programs import onboarding
from enablement.programs import selectors as program_selectors
from partners.models import Partner
from tests.factories import PartnerFactory, UserFactory

from .factories_programs import full_template

pytestmark = pytest.mark.django_db
Kind = OnboardingStep.Kind


@pytest.fixture
def template(db):
    return full_template("reseller")


@pytest.fixture
def meeting(template):
    return template.steps.get(kind=Kind.INTRODUCTORY_MEETING)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("acme_admin", 200),
        ("acme_rep", 200),
        ("distri_admin", 200),
        ("cam", 200),
        ("ops", 200),
        ("globex_admin", 404),
        ("other_cam", 404),
    ],
)
def test_the_checklist_page_is_scoped(client_for, personas, template, acme, who, expected):
    url = reverse("enablement:onboarding_detail", args=[acme.pk])
    response = client_for(personas[who]).get(url)
    assert response.status_code == expected
    if expected == 200:
        assert response.context["progress"].total == 5


def test_partner_users_land_on_their_own_checklist(client_for, acme_admin, acme):
    response = client_for(acme_admin).get(reverse("enablement:onboarding_list"))
    assert response["Location"] == reverse("enablement:onboarding_detail", args=[acme.pk])
    nobody = UserFactory()
    assert client_for(nobody).get(reverse("enablement:onboarding_list")).status_code == 404


def test_the_cam_lists_their_onboarding_partners_with_progress(
    client_for, cam, other_cam, template, meeting
):
    mine = PartnerFactory(display_name="Mine", channel_manager=cam, status="onboarding")
    PartnerFactory(display_name="Theirs", channel_manager=other_cam, status="onboarding")
    PartnerFactory(display_name="Active", channel_manager=cam, status="active")
    onboarding.check_onboarding_step(actor=cam, partner=mine, step=meeting, done=True)

    page = client_for(cam).get(reverse("enablement:onboarding_list"))

    statuses = page.context["statuses"]
    # Done: the meeting, and the agreement (none is published yet, so nothing is missing).
    assert [(s.partner.display_name, s.done, s.total) for s in statuses] == [("Mine", 2, 5)]
    html = page.content.decode()
    assert 'value="40"' in html and "Theirs" not in html and "Active" not in html


def test_the_list_has_an_empty_state(client_for, other_cam):
    page = client_for(other_cam).get(reverse("enablement:onboarding_list"))
    assert "No partner in your portfolio is onboarding" in page.content.decode()


def test_the_list_queries_do_not_grow_with_rows(
    client_for, cam, template, meeting, django_assert_max_num_queries
):
    client = client_for(cam)

    def grow(n):
        for _ in range(n):
            partner = PartnerFactory(channel_manager=cam, status=Partner.Status.ONBOARDING)
            onboarding.check_onboarding_step(actor=cam, partner=partner, step=meeting, done=True)

    grow(2)
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("enablement:onboarding_list"))
    grow(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("enablement:onboarding_list"))


def test_the_cam_marks_the_meeting_held_from_the_page(client_for, cam, acme, meeting):
    url = reverse("enablement:onboarding_check", args=[acme.pk, meeting.pk])
    response = client_for(cam).post(url, {"done": "1", "note": "Kick-off"})
    assert response.status_code == 302
    assert OnboardingCheck.objects.get().note == "Kick-off"


def test_checking_with_htmx_returns_the_step_list(client_for, cam, acme, meeting):
    url = reverse("enablement:onboarding_check", args=[acme.pk, meeting.pk])
    response = client_for(cam).post(url, {"done": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.templates[0].name == "enablement/onboarding_steps.html"
    html = response.content.decode()
    assert 'id="onboarding-steps"' in html and "Mark as not done" in html
    assert "2 of 5 done (40%)" in html  # the count and the bar are swapped in with the steps


def test_a_refused_check_is_explained(client_for, acme_admin, acme, meeting):
    url = reverse("enablement:onboarding_check", args=[acme.pk, meeting.pk])
    response = client_for(acme_admin).post(url, {"done": "1"}, HTTP_HX_REQUEST="true")
    assert "You cannot check this step." in response.content.decode()
    response = client_for(acme_admin).post(url, {"done": "1"}, follow=True)
    assert "You cannot check this step." in response.content.decode()
    assert not OnboardingCheck.objects.exists()


def test_checks_outside_the_scope_are_404(client_for, globex_admin, other_cam, acme, meeting):
    url = reverse("enablement:onboarding_check", args=[acme.pk, meeting.pk])
    for outsider in (globex_admin, other_cam):
        assert client_for(outsider).post(url, {"done": "1"}).status_code == 404
    assert not OnboardingCheck.objects.exists()


def test_only_checkable_steps_show_a_button(client_for, acme_admin, cam, acme, template):
    page = client_for(acme_admin).get(reverse("enablement:onboarding_detail", args=[acme.pk]))
    assert page.context["checkable"] == {template.steps.get(kind=Kind.CUSTOM).pk}
    page = client_for(cam).get(reverse("enablement:onboarding_detail", args=[acme.pk]))
    assert page.context["checkable"] == set(
        template.steps.filter(kind__in=[Kind.CUSTOM, Kind.INTRODUCTORY_MEETING]).values_list(
            "pk", flat=True
        )
    )


def test_the_widget_shows_progress_and_the_next_step(template, acme, cam, meeting):
    onboarding.check_onboarding_step(actor=cam, partner=acme, step=meeting, done=True)
    html = render_to_string(
        "enablement/onboarding_widget.html", {"progress": program_selectors.onboarding_status(acme)}
    )
    assert "2 of 5 steps" in html  # the meeting, and the agreement (none published yet)
    assert "First people certified" in html and "0 of 2 people certified" in html  # next
    assert reverse("enablement:onboarding_detail", args=[acme.pk]) in html
    assert render_to_string("enablement/onboarding_widget.html", {"progress": None}).strip() == ""
