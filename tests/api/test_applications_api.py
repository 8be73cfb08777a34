import pytest
from django.core import mail
from rest_framework.test import APIClient

from partners.models import Application, Invitation, Partner, Qualification
from prm.audit import events_for
from prm.models import Notification
from tests.factories import ApplicationFactory, QualificationFactory

from .assertions import error_of

pytestmark = pytest.mark.django_db

APPLICATIONS = "/api/v1/applications/"

FORM = {
    "legal_name": "Northwind Systems GmbH",
    "display_name": "Northwind",
    "website": "https://northwind.example",
    "hq_country": "de",
    "business_model": "msp",
    "regions_served": ["EMEA"],
    "domains": ["Northwind.example"],
    "contact_name": "Nora North",
    "contact_email": "Nora@Northwind.example",
    "customer_count": 120,
    "technical_staff": 6,
    "executive_sponsor": "CEO",
    "message": "We run 120 mid-market customers.",
}


@pytest.fixture
def waiting(cam, other_cam):
    """Three submitted applications: unassigned, assigned to ``cam``, assigned to ``other_cam``."""
    return {
        "unassigned": ApplicationFactory(partner__display_name="Unassigned"),
        "cam": ApplicationFactory(partner__display_name="Camco", partner__channel_manager=cam),
        "other": ApplicationFactory(
            partner__display_name="Otherco", partner__channel_manager=other_cam
        ),
    }


def assessed(application):
    """Approval needs a Scale/Skill/Will assessment first."""
    QualificationFactory(partner=application.partner)
    return application


# --- Applying (public) --------------------------------------------------------------------------


def test_anyone_may_apply_without_an_account(db, ops, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(APPLICATIONS, FORM, format="json")

    assert response.status_code == 201
    application = Application.objects.select_related("partner").get()
    assert response.json() == {
        "id": application.pk,
        "status": "submitted",
        "submitted_at": response.json()["submitted_at"],
    }
    partner = application.partner
    assert (partner.status, partner.hq_country, partner.domains) == (
        Partner.Status.APPLIED,
        "DE",
        ["northwind.example"],
    )
    assert application.contact_email == "nora@northwind.example"
    assert events_for(partner).get().verb == "partner.applied"
    assert Notification.objects.filter(user=ops, kind="partners.application_submitted").exists()


def test_a_bad_application_is_400_with_every_field_error(db):
    response = APIClient().post(
        APPLICATIONS,
        {**FORM, "hq_country": "Germany", "business_model": "pirate", "contact_email": "nope"},
        format="json",
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["details"]) == {"hq_country", "business_model", "contact_email"}
    assert error["details"]["hq_country"] == ["Use the two-letter country code, e.g. DE."]
    assert not Partner.objects.exists()


@pytest.mark.parametrize("field", ["customer_count", "technical_staff"])
def test_a_count_beyond_its_column_is_400_not_a_server_error(db, field):
    response = APIClient().post(APPLICATIONS, {**FORM, field: 13395455610}, format="json")

    assert response.status_code == 400
    assert field in error_of(response)["details"]


def test_missing_required_fields_are_named(db):
    response = APIClient().post(APPLICATIONS, {}, format="json")

    assert response.status_code == 400
    assert set(error_of(response)["details"]) == {
        "legal_name",
        "display_name",
        "hq_country",
        "business_model",
        "contact_name",
        "contact_email",
    }


def test_applying_is_rate_limited_per_caller(db, settings):
    settings.PRM_APPLICATION_RATE = "2/hour"
    client = APIClient()
    for _ in range(2):
        assert client.post(APPLICATIONS, FORM, format="json").status_code == 201

    response = client.post(APPLICATIONS, FORM, format="json")

    assert response.status_code == 429
    assert error_of(response)["code"] == "throttled"
    assert "Retry-After" in response
    assert Application.objects.count() == 2
    # Reading is not throttled by the application limit.
    assert client.get(APPLICATIONS).status_code == 401


def test_an_integration_applying_with_an_idempotency_key_creates_one_application(key_client):
    client = key_client("partners:write")

    first = client.post(APPLICATIONS, FORM, format="json", HTTP_IDEMPOTENCY_KEY="web-form-7")
    again = client.post(APPLICATIONS, FORM, format="json", HTTP_IDEMPOTENCY_KEY="web-form-7")
    changed = client.post(
        APPLICATIONS,
        {**FORM, "display_name": "Other"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="web-form-7",
    )

    assert (first.status_code, again.status_code, changed.status_code) == (201, 201, 409)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Application.objects.count() == 1


# --- Reviewing ----------------------------------------------------------------------------------


def display_names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {a["partner"]["display_name"] for a in response.json()["results"]}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("ops", {"Unassigned", "Camco", "Otherco"}),
        ("cam", {"Unassigned", "Camco"}),
        ("other_cam", {"Unassigned", "Otherco"}),
    ],
)
def test_reviewers_see_their_own_and_unassigned_applications(
    personas, session_for, waiting, persona, expected
):
    assert display_names(session_for(personas[persona]).get(APPLICATIONS)) == expected


@pytest.mark.parametrize("persona", ["acme_admin", "acme_rep", "globex_admin", "distri_admin"])
def test_partner_users_may_not_read_applications(personas, session_for, waiting, persona):
    client = session_for(personas[persona])
    for path in (APPLICATIONS, f"{APPLICATIONS}{waiting['unassigned'].pk}/"):
        response = client.get(path)
        assert response.status_code == 403
        assert error_of(response)["code"] == "permission_denied"


def test_a_partner_bound_key_may_not_read_applications(key_client, acme, waiting):
    response = key_client("partners:read", "partners:write", partner=acme).get(APPLICATIONS)
    assert response.status_code == 403


def test_another_managers_application_is_404(session_for, cam, waiting):
    client = session_for(cam)
    other = waiting["other"]
    assert client.get(f"{APPLICATIONS}{other.pk}/").status_code == 404
    for action in ("approve", "decline", "qualify"):
        response = client.post(f"{APPLICATIONS}{other.pk}/{action}/", {}, format="json")
        assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "submitted"


def test_an_application_reads_in_full(session_for, cam, waiting):
    application = waiting["cam"]
    body = session_for(cam).get(f"{APPLICATIONS}{application.pk}/").json()

    assert body["status"] == "submitted"
    assert body["contact_email"] == application.contact_email
    assert body["partner"]["channel_manager"]["email"] == "cam@vendor.example"
    assert body["decided_by"] is None


def test_applications_filter_by_status_and_search(session_for, ops, waiting):
    waiting["other"].status = "declined"
    waiting["other"].save()
    client = session_for(ops)

    assert display_names(client.get(f"{APPLICATIONS}?status=submitted")) == {
        "Unassigned",
        "Camco",
    }
    assert display_names(client.get(f"{APPLICATIONS}?search=camco")) == {"Camco"}
    assert client.get(f"{APPLICATIONS}?status=maybe").status_code == 400


def test_listing_applications_costs_the_same_queries_for_more_rows(
    session_for, cam, waiting, django_assert_max_num_queries
):
    client = session_for(cam)
    with django_assert_max_num_queries(6) as few:
        client.get(APPLICATIONS)
    baseline = len(few)  # read now: every request resets the query log
    ApplicationFactory.create_batch(12, partner__channel_manager=cam)
    with django_assert_max_num_queries(baseline):
        assert client.get(APPLICATIONS).json()["count"] == 14


def test_a_manager_approves_and_the_contact_is_invited_as_admin(
    session_for, cam, waiting, tiers, django_capture_on_commit_callbacks
):
    application = assessed(waiting["unassigned"])

    with django_capture_on_commit_callbacks(execute=True):
        response = session_for(cam).post(
            f"{APPLICATIONS}{application.pk}/approve/",
            {"reason": "Strong MSP", "tier": tiers[0].pk},
            format="json",
        )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved"
    assert body["decided_by"]["email"] == "cam@vendor.example"
    assert body["partner"]["status"] == "onboarding"
    assert body["partner"]["channel_manager"]["email"] == "cam@vendor.example"
    invitation = Invitation.objects.get(partner=application.partner)
    assert (invitation.email, invitation.role) == (application.contact_email, "admin")
    assert [m.to for m in mail.outbox] == [[application.contact_email]]


def test_ops_approve_assigning_a_channel_manager(session_for, ops, other_cam, waiting):
    application = assessed(waiting["unassigned"])

    response = session_for(ops).post(
        f"{APPLICATIONS}{application.pk}/approve/",
        {"channel_manager": other_cam.pk},
        format="json",
    )

    assert response.status_code == 200
    application.partner.refresh_from_db()
    assert application.partner.channel_manager == other_cam


def test_only_a_channel_manager_may_be_assigned(session_for, ops, acme_admin, waiting):
    response = session_for(ops).post(
        f"{APPLICATIONS}{waiting['unassigned'].pk}/approve/",
        {"channel_manager": acme_admin.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "channel_manager" in error_of(response)["details"]


def test_a_decision_cannot_be_taken_twice(session_for, ops, waiting):
    client = session_for(ops)
    pk = waiting["cam"].pk
    assert (
        client.post(f"{APPLICATIONS}{pk}/decline/", {"reason": "No fit"}, format="json")
    ).status_code == 200

    response = client.post(f"{APPLICATIONS}{pk}/approve/", {}, format="json")

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "invalid_transition"
    assert error["details"] == {"from": "declined", "to": "approved"}


def test_declining_tells_the_applicant_why(
    session_for, cam, waiting, django_capture_on_commit_callbacks
):
    application = waiting["cam"]

    with django_capture_on_commit_callbacks(execute=True):
        response = session_for(cam).post(
            f"{APPLICATIONS}{application.pk}/decline/",
            {"reason": "We are not recruiting MSPs in this region."},
            format="json",
        )

    assert response.status_code == 200
    assert response.json()["decision_reason"] == "We are not recruiting MSPs in this region."
    assert response.json()["partner"]["status"] == "terminated"
    assert [m.to for m in mail.outbox] == [[application.contact_email]]


def test_declining_needs_a_reason(session_for, cam, waiting):
    response = session_for(cam).post(
        f"{APPLICATIONS}{waiting['cam'].pk}/decline/", {"reason": ""}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in error_of(response)["details"]


def test_a_manager_qualifies_an_applicant(session_for, cam, waiting):
    application = waiting["cam"]

    response = session_for(cam).post(
        f"{APPLICATIONS}{application.pk}/qualify/",
        {
            "scale": 4,
            "skill": 3,
            "will": 5,
            "willingness_to_engage": 4,
            "opp_traits": ["ideal_customers", "geographic_coverage"],
            "will_notes": "CEO sponsors it.",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["focus_score"], body["assessed_by"]["email"]) == (60, "cam@vendor.example")
    qualification = Qualification.objects.get(partner=application.partner)
    assert qualification.opp_traits == ["geographic_coverage", "ideal_customers"]


def test_scores_outside_one_to_five_are_400(session_for, cam, waiting):
    response = session_for(cam).post(
        f"{APPLICATIONS}{waiting['cam'].pk}/qualify/",
        {"scale": 0, "skill": 6, "will": 3, "willingness_to_engage": 3, "opp_traits": ["x"]},
        format="json",
    )

    assert response.status_code == 400
    assert set(error_of(response)["details"]) == {"scale", "skill", "opp_traits"}
    assert not Qualification.objects.exists()


@pytest.mark.parametrize("action", ["approve", "decline", "qualify"])
def test_partner_users_may_not_decide(personas, session_for, waiting, action):
    application = waiting["unassigned"]
    body = {"reason": "x", "scale": 3, "skill": 3, "will": 3, "willingness_to_engage": 3}
    for persona in ("acme_admin", "distri_admin"):
        response = session_for(personas[persona]).post(
            f"{APPLICATIONS}{application.pk}/{action}/", body, format="json"
        )
        assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == "submitted"
    assert not Qualification.objects.exists()


def test_a_read_only_program_key_may_read_but_not_decide(key_client, waiting):
    client = key_client("partners:read")

    assert client.get(APPLICATIONS).json()["count"] == 3
    response = client.post(
        f"{APPLICATIONS}{waiting['cam'].pk}/decline/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert error_of(response)["message"] == "This API key lacks the scope partners:write."


def test_approval_without_assessment_or_manager_is_400_with_every_reason(session_for, ops, waiting):
    response = session_for(ops).post(
        f"{APPLICATIONS}{waiting['unassigned'].pk}/approve/", {}, format="json"
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "application_incomplete"
    assert set(error["details"]) == {"qualification", "channel_manager"}


def test_a_country_code_that_is_no_country_is_400(db):
    response = APIClient().post(APPLICATIONS, {**FORM, "hq_country": "zz"}, format="json")

    assert response.status_code == 400
    assert error_of(response)["details"]["hq_country"] == [
        "ZZ is not a country code we know; use e.g. DE or GB."
    ]
    assert not Partner.objects.exists()
