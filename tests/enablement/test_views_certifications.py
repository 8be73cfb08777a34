"""Portal pages: who sees what (404 outside the scope), forms, empty states and query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from enablement.models import Certification, PersonCertification, ReferenceImplementation
from partners.models import TierRequirement
from tests.factories import MembershipFactory, OfficeFactory, TierRequirementFactory

from .factories import (
    CertificationFactory,
    CourseFactory,
    PersonCertificationFactory,
    ReferenceFactory,
    TrackFactory,
)

TODAY = dt.date.today()


@pytest.fixture
def certs(acme, acme_rep, acme_admin, globex, globex_admin, distri, distri_admin):
    """One certification per person of each partner."""
    sales = CertificationFactory(code="sales-pro", name="Sales Pro", kind="sales")
    return {
        "acme_rep": PersonCertificationFactory(user=acme_rep, partner=acme, certification=sales),
        "acme_admin": PersonCertificationFactory(
            user=acme_admin, partner=acme, certification=sales
        ),
        "globex_admin": PersonCertificationFactory(
            user=globex_admin, partner=globex, certification=sales
        ),
        "distri_admin": PersonCertificationFactory(
            user=distri_admin, partner=distri, certification=sales
        ),
    }


def listed(client, url="enablement:certification_list", **params):
    response = client.get(reverse(url), params)
    assert response.status_code == 200
    return {pc.pk for pc in response.context["page_obj"]}


# --- Catalogue ----------------------------------------------------------------------------------


def test_the_catalogue_filters_tracks_by_role_and_business_model(client_for, acme_rep):
    msp = TrackFactory(name="Managed services", role="sales", business_models=["msp"])
    everyone = TrackFactory(name="Fundamentals", role="sales")
    dev = TrackFactory(name="API", role="developer")
    CourseFactory(track=msp, title="Packaging a managed offer")
    CertificationFactory(name="Security Specialty", kind=Certification.Kind.SPECIALTY)
    client = client_for(acme_rep)

    page = client.get(reverse("enablement:catalogue"), {"role": "sales", "business_model": "isv"})
    assert [t.pk for t in page.context["tracks"]] == [everyone.pk]

    page = client.get(reverse("enablement:catalogue"), {"business_model": "msp"})
    assert {t.pk for t in page.context["tracks"]} == {msp.pk, everyone.pk, dev.pk}
    assert "Packaging a managed offer" in page.content.decode()
    assert "Security Specialty" in page.content.decode()


def test_pages_need_a_login(client, certs):
    for url in (
        reverse("enablement:catalogue"),
        reverse("enablement:certification_list"),
        reverse("enablement:standing"),
        reverse("enablement:reference_list"),
        reverse("enablement:certification_detail", args=[certs["acme_rep"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_catalogue_queries_do_not_grow_with_rows(
    client_for, acme_rep, django_assert_max_num_queries
):
    client = client_for(acme_rep)

    def grow(n):
        for _ in range(n):
            track = TrackFactory()
            CourseFactory(track=track)
            CertificationFactory(course=CourseFactory(track=track))

    grow(2)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("enablement:catalogue"))
    grow(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("enablement:catalogue"))


# --- Certification list and detail --------------------------------------------------------------


@pytest.mark.parametrize(
    "persona,visible",
    [
        ("acme_rep", {"acme_rep"}),
        ("acme_admin", {"acme_rep", "acme_admin"}),
        ("globex_admin", {"globex_admin"}),
        ("distri_admin", {"distri_admin", "acme_rep", "acme_admin"}),
        ("cam", {"acme_rep", "acme_admin", "distri_admin"}),
        ("other_cam", {"globex_admin"}),
        ("ops", {"acme_rep", "acme_admin", "globex_admin", "distri_admin"}),
    ],
)
def test_each_persona_lists_only_its_scope_and_others_are_404(
    client_for, personas, certs, persona, visible
):
    client = client_for(personas[persona])
    assert listed(client) == {certs[name].pk for name in visible}
    for name, pc in certs.items():
        url = reverse("enablement:certification_detail", args=[pc.pk])
        assert client.get(url).status_code == (200 if name in visible else 404), (persona, name)


def test_the_list_filters_by_status_kind_and_text(client_for, acme_admin, acme, certs):
    dev = CertificationFactory(code="dev", name="Developer Pro", kind="developer")
    expiring = PersonCertificationFactory(
        user=acme_admin, partner=acme, certification=dev, status="expiring"
    )
    client = client_for(acme_admin)
    assert listed(client, status="expiring") == {expiring.pk}
    assert listed(client, kind="developer") == {expiring.pk}
    assert listed(client, q="Rex") == {certs["acme_rep"].pk}


def test_expiring_certifications_come_first(client_for, acme_admin, acme, certs):
    pc = certs["acme_rep"]
    pc.status = PersonCertification.Status.EXPIRING
    pc.save()
    response = client_for(acme_admin).get(reverse("enablement:certification_list"))
    assert response.context["page_obj"][0].pk == pc.pk
    assert 'class="row-expiring"' in response.content.decode()


def test_an_empty_list_says_so(client_for, acme_rep):
    response = client_for(acme_rep).get(reverse("enablement:certification_list"))
    assert "No certification to show yet." in response.content.decode()


def test_the_list_queries_do_not_grow_with_rows(
    client_for, ops, acme, django_assert_max_num_queries
):
    client = client_for(ops)

    def grow(n):
        for _ in range(n):
            member = MembershipFactory(partner=acme, office=OfficeFactory(partner=acme))
            PersonCertificationFactory(user=member.user, partner=acme, office=member.office)

    grow(2)
    with django_assert_max_num_queries(15) as small:
        client.get(reverse("enablement:certification_list"))
    grow(30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("enablement:certification_list"))


def test_a_specialty_certification_page_offers_the_badge_snippet(client_for, acme_rep, acme):
    cert = CertificationFactory(code="spec", kind=Certification.Kind.SPECIALTY)
    pc = PersonCertificationFactory(user=acme_rep, partner=acme, certification=cert)
    page = client_for(acme_rep).get(pc.get_absolute_url()).content.decode()
    assert f"/enablement/badges/{pc.verification_code}.svg" in page
    assert "&lt;img src=" in page  # the snippet is shown as text to copy


# --- Ops: record a completion -------------------------------------------------------------------


def test_ops_record_a_completion_once(client_for, ops, acme_rep, acme):
    cert = CertificationFactory(code="sales-pro")
    client = client_for(ops)
    data = {"email": acme_rep.email, "certification": cert.pk, "earned_on": "2026-01-15"}
    first = client.post(reverse("enablement:certification_record"), data)
    pc = PersonCertification.objects.get()
    assert first.status_code == 302 and first["Location"] == pc.get_absolute_url()
    again = client.post(reverse("enablement:certification_record"), data, follow=True)
    assert "already recorded" in again.content.decode()
    assert PersonCertification.objects.count() == 1


def test_the_record_form_explains_bad_input(client_for, ops, acme, globex, acme_rep):
    cert = CertificationFactory(code="sales-pro")
    client = client_for(ops)
    future = (TODAY + dt.timedelta(days=2)).isoformat()
    response = client.post(
        reverse("enablement:certification_record"),
        {"email": "ghost@nowhere.example", "certification": cert.pk, "earned_on": future},
    )
    page = response.content.decode()
    assert "No person has this email address." in page
    assert "cannot be in the future" in page
    response = client.post(
        reverse("enablement:certification_record"),
        {
            "email": acme_rep.email,
            "certification": cert.pk,
            "earned_on": "2026-01-01",
            "office": OfficeFactory(partner=globex).pk,
        },
    )
    assert "not a member of Globex" in response.content.decode()
    assert not PersonCertification.objects.exists()


@pytest.mark.parametrize("persona", ["acme_admin", "cam", "distri_admin"])
def test_only_ops_record_completions(client_for, personas, persona):
    response = client_for(personas[persona]).get(reverse("enablement:certification_record"))
    assert response.status_code == 403


# --- Where we stand -----------------------------------------------------------------------------


@pytest.fixture
def acme_requirements(tiers, acme):
    TierRequirementFactory(tier=tiers[0], metric=TierRequirement.Metric.CERTIFIED_SALES)
    TierRequirementFactory(
        tier=tiers[1], metric=TierRequirement.Metric.CERTIFIED_DEVELOPERS, threshold=2
    )
    TierRequirementFactory(tier=tiers[1], metric=TierRequirement.Metric.CERTIFIED_PER_OFFICE)
    TierRequirementFactory(
        tier=tiers[1], metric=TierRequirement.Metric.SOURCED_REVENUE, threshold=50000
    )
    OfficeFactory(partner=acme, name="Lyon", region="EMEA")


def test_a_partner_admin_sees_where_the_partner_stands(
    client_for, acme_admin, certs, acme_requirements
):
    response = client_for(acme_admin).get(reverse("enablement:standing"))
    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["standing"].current.met
    assert "Current tier: Registered" in page and "Next tier: Silver" in page
    assert "2 more certified developers" in page
    assert "no certified person in office Lyon" in page
    # Revenue is measured by the deals app; Acme has no won deals yet.
    assert "not measured yet" not in page
    assert "USD 50,000.00 more partner-sourced revenue" in page
    assert {pc.pk for pc in response.context["page_obj"]} == {
        certs["acme_rep"].pk,
        certs["acme_admin"].pk,
    }


def test_the_standing_page_highlights_what_is_expiring(client_for, acme_rep, certs):
    pc = certs["acme_admin"]
    pc.status = PersonCertification.Status.EXPIRING
    pc.save()
    response = client_for(acme_rep).get(reverse("enablement:standing"))
    assert response.context["expiring_count"] == 1
    assert 'data-status="expiring"' in response.content.decode()


@pytest.mark.parametrize(
    "persona,partner,status",
    [
        ("cam", "acme", 200),
        ("cam", "globex", 404),
        ("other_cam", "acme", 404),
        ("other_cam", "globex", 200),
        ("ops", "globex", 200),
        ("acme_admin", "globex", 404),
        ("globex_admin", "acme", 404),
        ("distri_admin", "acme", 200),
        ("acme_admin", "distri", 404),
    ],
)
def test_partner_standing_is_scoped(
    client_for, personas, acme, globex, distri, persona, partner, status
):
    pk = {"acme": acme, "globex": globex, "distri": distri}[partner].pk
    response = client_for(personas[persona]).get(reverse("enablement:partner_standing", args=[pk]))
    assert response.status_code == status


def test_people_without_a_partner_have_no_standing_page(client_for, cam):
    assert client_for(cam).get(reverse("enablement:standing")).status_code == 404


def test_the_standing_queries_do_not_grow_with_the_team(
    client_for, acme_admin, acme, acme_requirements, django_assert_max_num_queries
):
    client = client_for(acme_admin)

    def grow(n):
        for _ in range(n):
            member = MembershipFactory(partner=acme)
            PersonCertificationFactory(user=member.user, partner=acme)

    grow(2)
    with django_assert_max_num_queries(40) as small:
        client.get(reverse("enablement:standing"))
    grow(30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("enablement:standing"))


# --- Reference implementations ------------------------------------------------------------------


def test_a_partner_admin_submits_a_reference(client_for, acme_admin, acme):
    client = client_for(acme_admin)
    response = client.post(
        reverse("enablement:reference_create"),
        {
            "customer_name": "Initech",
            "scope": "2,000 seats",
            "completed_on": (TODAY - dt.timedelta(days=5)).isoformat(),
            "evidence": "Signed go-live",
        },
    )
    reference = ReferenceImplementation.objects.get()
    assert response.status_code == 302 and reference.partner == acme


def test_the_reference_form_wants_evidence(client_for, acme_admin):
    response = client_for(acme_admin).post(
        reverse("enablement:reference_create"),
        {"customer_name": "Initech", "scope": "x", "completed_on": "2026-01-01"},
    )
    assert "Describe the evidence" in response.content.decode()
    assert not ReferenceImplementation.objects.exists()


def test_reps_and_internal_staff_do_not_submit_references(client_for, acme_rep, cam):
    for user in (acme_rep, cam):
        assert client_for(user).get(reverse("enablement:reference_create")).status_code == 403


def test_the_cam_rejects_with_a_reason(client_for, cam, acme):
    reference = ReferenceFactory(partner=acme)
    client = client_for(cam)
    url = reference.get_absolute_url()
    response = client.post(url, {"decision": "reject", "reason": ""})
    assert "Say why" in response.content.decode()
    response = client.post(url, {"decision": "reject", "reason": "No customer contact"})
    assert response.status_code == 302
    reference.refresh_from_db()
    assert (reference.status, reference.reason) == ("rejected", "No customer contact")


@pytest.mark.parametrize(
    "persona,status,may_decide",
    [
        ("cam", 200, True),
        ("ops", 200, True),
        ("acme_admin", 200, False),
        ("other_cam", 404, False),
        ("globex_admin", 404, False),
    ],
)
def test_reference_pages_are_scoped_and_only_the_cam_decides(
    client_for, personas, acme, persona, status, may_decide
):
    reference = ReferenceFactory(partner=acme)
    client = client_for(personas[persona])
    response = client.get(reference.get_absolute_url())
    assert response.status_code == status
    if status == 200:
        assert (response.context["form"] is not None) == may_decide
        assert reference.pk in {r.pk for r in client.get(
            reverse("enablement:reference_list")).context["page_obj"]}  # fmt: skip
    if status == 200 and not may_decide:
        post = client.post(reference.get_absolute_url(), {"decision": "approve"})
        assert post.status_code == 403
    reference.refresh_from_db()
    assert reference.status == "submitted"


def test_the_reference_list_queries_do_not_grow(
    client_for, cam, acme, django_assert_max_num_queries
):
    client = client_for(cam)
    ReferenceFactory.create_batch(2, partner=acme)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("enablement:reference_list"))
    ReferenceFactory.create_batch(30, partner=acme)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("enablement:reference_list"))
