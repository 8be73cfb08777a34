"""Applications list and review: scoring, approving and declining, and who may do it."""

import pytest
from django.core import mail
from django.urls import reverse

from partners.models import Application, Invitation, Partner, Qualification
from partners.recruitment.services import submit_application
from prm.models import AuditEvent
from tests.factories import ApplicationFactory, PartnerFactory, QualificationFactory

LIST = reverse("partners:application_list")


def review_url(application):
    return reverse("partners:application_review", args=[application.pk])


@pytest.fixture
def open_application(db):
    """Unassigned: any channel account manager may pick it up."""
    return submit_application(
        legal_name="Granite Peak LLC",
        display_name="Granite Peak",
        hq_country="US",
        business_model="reseller",
        contact_name="Laura Kim",
        contact_email="laura@granitepeak.example",
        customer_count=140,
        technical_staff=6,
        executive_sponsor="Laura Kim, COO",
    )


@pytest.fixture
def globex_prospect(other_cam):
    """Already assigned to another channel account manager."""
    return ApplicationFactory(
        partner__display_name="Globex Prospect", partner__channel_manager=other_cam
    )


def qualify_data(**overrides):
    data = {
        "action": "qualify",
        "scale": "4",
        "scale_notes": "140 customers in manufacturing",
        "skill": "3",
        "skill_notes": "",
        "will": "5",
        "will_notes": "COO sponsors",
        "opp_traits": ["ideal_customers", "services_capability"],
        "willingness_to_engage": "4",
    }
    data.update(overrides)
    return data


# --- Who may see what ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["acme_admin", "acme_rep", "distri_admin", "globex_admin"])
def test_partner_users_are_refused_the_applications_pages(
    client_for, personas, persona, open_application
):
    client = client_for(personas[persona])
    assert client.get(LIST).status_code == 403
    assert client.get(review_url(open_application)).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, open_application):
    for url in (LIST, review_url(open_application)):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_a_cam_sees_unassigned_and_own_applications_but_not_another_cams(
    client_for, cam, open_application, globex_prospect
):
    client = client_for(cam)
    names = [a.partner.display_name for a in client.get(LIST).context["page_obj"]]
    assert names == ["Granite Peak"]
    assert client.get(review_url(globex_prospect)).status_code == 404
    assert client.post(review_url(globex_prospect), qualify_data()).status_code == 404
    assert not Qualification.objects.exists()


def test_ops_see_every_application(client_for, ops, open_application, globex_prospect):
    page = client_for(ops).get(LIST).context["page_obj"]
    assert {a.partner.display_name for a in page} == {"Granite Peak", "Globex Prospect"}


def test_the_list_shows_waiting_applications_by_default_and_filters_by_status(
    client_for, ops, open_application
):
    declined = ApplicationFactory(
        partner__display_name="Declined Co", status=Application.Status.DECLINED
    )
    client = client_for(ops)
    assert [a.pk for a in client.get(LIST).context["page_obj"]] == [open_application.pk]
    assert [a.pk for a in client.get(LIST, {"status": "declined"}).context["page_obj"]] == [
        declined.pk
    ]
    assert len(client.get(LIST, {"status": ""}).context["page_obj"]) == 2


def test_the_list_has_an_empty_state(client_for, ops):
    response = client_for(ops).get(LIST)
    assert b"No applications match" in response.content


def test_the_list_is_paginated_with_its_filter_kept(client_for, ops):
    ApplicationFactory.create_batch(30)
    client = client_for(ops)
    first = client.get(LIST, {"status": "submitted"})
    assert len(first.context["page_obj"]) == 25
    assert b"status=submitted&amp;page=2" in first.content
    assert len(client.get(LIST, {"status": "submitted", "page": 2}).context["page_obj"]) == 5


def test_the_list_query_count_does_not_grow_with_rows(
    client_for, ops, cam, django_assert_max_num_queries
):
    client = client_for(ops)
    ApplicationFactory.create_batch(3, partner__channel_manager=cam)
    with django_assert_max_num_queries(12) as small:
        client.get(LIST)
    ApplicationFactory.create_batch(20, partner__channel_manager=cam)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(LIST)


# --- Review page ---------------------------------------------------------------------------


def test_the_review_page_shows_the_answers_and_prefills_scores_from_them(
    client_for, cam, open_application
):
    response = client_for(cam).get(review_url(open_application))
    assert response.status_code == 200
    body = response.content.decode()
    assert "laura@granitepeak.example" in body
    assert "Laura Kim, COO" in body
    # 140 customers → Scale 3, 6 technical staff → Skill 3, a named sponsor → Will 4.
    assert response.context["hints"] == {"scale": 3, "skill": 3, "will": 4}
    assert response.context["qualify_form"].initial["scale"] == 3
    assert response.context["qualify_form"].initial["will"] == 4
    assert "Applied to the program" in body  # the audit timeline


def test_a_cam_scores_an_applicant(client_for, cam, open_application):
    response = client_for(cam).post(review_url(open_application), qualify_data())
    assert response.status_code == 302
    qualification = Qualification.objects.get()
    assert qualification.partner == open_application.partner
    assert qualification.assessed_by == cam
    assert (qualification.scale, qualification.skill, qualification.will) == (4, 3, 5)
    assert qualification.willingness_to_engage == 4
    assert qualification.opp_traits == ["ideal_customers", "services_capability"]
    assert qualification.will_notes == "COO sponsors"
    assert AuditEvent.objects.filter(verb="partner.qualified").count() == 1
    page = client_for(cam).get(review_url(open_application))
    assert page.context["qualifications"] == [qualification]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"scale": "6"}, "scale"),
        ({"skill": ""}, "skill"),
        ({"will": "0"}, "will"),
        ({"opp_traits": ["world_domination"]}, "opp_traits"),
        ({"willingness_to_engage": ""}, "willingness_to_engage"),
    ],
)
def test_an_invalid_score_is_a_form_error(client_for, cam, open_application, overrides, field):
    response = client_for(cam).post(review_url(open_application), qualify_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["qualify_form"].errors
    assert not Qualification.objects.exists()


def test_approving_moves_the_partner_to_onboarding_and_invites_the_applicant(
    client_for, cam, tiers, open_application, django_capture_on_commit_callbacks
):
    QualificationFactory(partner=open_application.partner)
    client = client_for(cam)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            review_url(open_application),
            {
                "action": "approve",
                "approve-channel_manager": "",
                "approve-tier": tiers[1].pk,
                "approve-reason": "Strong fit",
            },
        )
    assert response.status_code == 302
    open_application.refresh_from_db()
    partner = open_application.partner
    partner.refresh_from_db()
    assert open_application.status == Application.Status.APPROVED
    assert open_application.decided_by == cam
    assert partner.status == Partner.Status.ONBOARDING
    assert partner.channel_manager == cam  # the reviewing CAM takes the partner
    assert partner.tier == tiers[1]
    invitation = Invitation.objects.get(partner=partner)
    assert invitation.email == "laura@granitepeak.example"
    assert invitation.role == "admin"
    assert mail.outbox[-1].to == ["laura@granitepeak.example"]
    assert invitation.token in mail.outbox[-1].body
    page = client.get(review_url(open_application))
    assert b'data-testid="approve-form"' not in page.content
    assert b"Strong fit" in page.content


def test_ops_may_assign_another_cam_when_approving(client_for, ops, other_cam, open_application):
    QualificationFactory(partner=open_application.partner)
    client_for(ops).post(
        review_url(open_application),
        {"action": "approve", "approve-channel_manager": other_cam.pk},
    )
    open_application.partner.refresh_from_db()
    assert open_application.partner.channel_manager == other_cam


def test_only_channel_managers_can_be_assigned(client_for, ops, acme_admin, open_application):
    response = client_for(ops).post(
        review_url(open_application),
        {"action": "approve", "approve-channel_manager": acme_admin.pk},
    )
    assert response.status_code == 200
    assert "channel_manager" in response.context["approve_form"].errors
    open_application.refresh_from_db()
    assert open_application.status == Application.Status.SUBMITTED


def test_declining_needs_a_reason(client_for, cam, open_application):
    response = client_for(cam).post(
        review_url(open_application), {"action": "decline", "decline-reason": "  "}
    )
    assert response.status_code == 200
    assert "reason" in response.context["decline_form"].errors
    open_application.refresh_from_db()
    assert open_application.status == Application.Status.SUBMITTED


def test_declining_terminates_the_prospect_and_tells_the_applicant_why(
    client_for, cam, open_application, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cam).post(
            review_url(open_application),
            {"action": "decline", "decline-reason": "No overlap with our customers"},
        )
    assert response.status_code == 302
    open_application.refresh_from_db()
    open_application.partner.refresh_from_db()
    assert open_application.status == Application.Status.DECLINED
    assert open_application.partner.status == Partner.Status.TERMINATED
    assert mail.outbox[-1].to == ["laura@granitepeak.example"]
    assert "No overlap with our customers" in mail.outbox[-1].body


def test_a_decided_application_cannot_be_decided_again(client_for, cam, open_application):
    client = client_for(cam)
    client.post(review_url(open_application), {"action": "decline", "decline-reason": "No"})
    response = client.post(review_url(open_application), {"action": "approve"})
    assert response.status_code == 200
    assert "cannot move from declined" in str(response.context["approve_form"].non_field_errors())
    open_application.refresh_from_db()
    assert open_application.status == Application.Status.DECLINED


def test_an_unknown_action_changes_nothing(client_for, cam, open_application):
    response = client_for(cam).post(review_url(open_application), {"action": "promote"})
    assert response.status_code == 200
    open_application.refresh_from_db()
    assert open_application.status == Application.Status.SUBMITTED


def test_a_partner_that_is_not_an_applicant_has_no_review_page(client_for, ops, db):
    partner = PartnerFactory()
    assert client_for(ops).get(f"/partners/applications/{partner.pk + 1000}/").status_code == 404


def test_an_unassessed_application_is_not_offered_for_approval_and_the_page_says_why(
    client_for, ops, db
):
    application = ApplicationFactory(partner__display_name="Fresh Co")
    page = client_for(ops).get(review_url(application)).content.decode()
    assert 'data-testid="approval-missing"' in page
    assert "Assess the applicant" in page and "Choose the channel account manager" in page
    assert 'data-testid="approve-button"' not in page


def test_approving_without_assessment_or_manager_is_refused_with_every_reason(client_for, ops, db):
    application = ApplicationFactory(partner__display_name="Fresh Co")
    response = client_for(ops).post(review_url(application), {"action": "approve"})
    assert response.status_code == 200
    errors = response.context["approve_form"].errors
    assert "Choose the channel account manager" in str(errors["channel_manager"])
    assert "Assess the applicant" in str(errors["__all__"])
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_ops_approve_an_assessed_application_once_a_manager_is_chosen(client_for, ops, cam, db):
    application = ApplicationFactory(partner__display_name="Fresh Co")
    QualificationFactory(partner=application.partner)
    client = client_for(ops)
    refused = client.post(review_url(application), {"action": "approve"})
    assert "channel_manager" in refused.context["approve_form"].errors
    done = client.post(
        review_url(application), {"action": "approve", "approve-channel_manager": cam.pk}
    )
    assert done.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.partner.channel_manager == cam


def test_the_service_refuses_approval_without_assessment(cam, db):
    from partners.recruitment.services import approve_application
    from prm.exceptions import DomainError

    application = ApplicationFactory()
    with pytest.raises(DomainError) as refused:
        approve_application(application=application, actor=cam)
    assert refused.value.code == "application_incomplete"
    assert set(refused.value.details) == {"qualification"}  # the reviewing manager takes it


def test_a_decided_application_leaves_ops_bells(ops, client_for):
    from partners.recruitment.services import decline_application
    from prm.models import Notification

    application = submit_application(
        legal_name="Orbital Apps Ltd",
        display_name="Orbital Apps",
        hq_country="IN",
        business_model="isv",
        contact_name="Karan Mehta",
        contact_email="karan@orbital.example",
    )
    asked = Notification.objects.get(user=ops, kind="partners.application_submitted")
    assert asked.read_at is None
    decline_application(application=application, actor=ops, reason="Outside our markets")
    asked.refresh_from_db()
    assert asked.read_at is not None
