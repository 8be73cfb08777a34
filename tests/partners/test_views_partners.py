"""Partner list and detail: scope per persona, filters, assessments and ops actions."""

import pytest
from django.urls import reverse

from partners.models import BusinessModel, Partner, Qualification, TierHistory
from partners.services import set_partner_tier
from prm.models import AuditEvent
from tests.factories import MembershipFactory, OfficeFactory, PartnerFactory, QualificationFactory

LIST = reverse("partners:partner_list")


def detail(partner):
    return reverse("partners:partner_detail", args=[partner.pk])


def listed(client, **params):
    return [p.display_name for p in client.get(LIST, params).context["page_obj"]]


# --- List scope -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("cam", ["Acme", "Distri"]),
        ("other_cam", ["Globex"]),
        ("distri_admin", ["Acme", "Distri"]),
        ("ops", ["Acme", "Distri", "Globex"]),
    ],
)
def test_each_persona_lists_only_its_partners(client_for, personas, persona, expected):
    assert listed(client_for(personas[persona])) == expected


@pytest.mark.parametrize("persona", ["acme_admin", "acme_rep", "globex_admin"])
def test_partner_users_without_resellers_are_refused_the_list(client_for, personas, persona):
    assert client_for(personas[persona]).get(LIST).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    assert "/accounts/login/" in client.get(LIST)["Location"]


# --- Filters ------------------------------------------------------------------------------


@pytest.fixture
def program(personas, tiers, acme, globex, distri):
    PartnerFactory(
        display_name="Suspended Sam",
        status=Partner.Status.SUSPENDED,
        hq_country="FR",
        legal_name="Samuel Systems SARL",
        tier=tiers[2],
    )
    return personas


def test_filters_by_status_business_model_tier_country_and_name(client_for, program, tiers):
    client = client_for(program["ops"])
    assert listed(client, status="suspended") == ["Suspended Sam"]
    assert listed(client, business_model=BusinessModel.MSP) == ["Globex"]
    assert listed(client, tier=tiers[2].pk) == ["Globex", "Suspended Sam"]
    assert listed(client, country="de") == ["Globex"]
    assert listed(client, q="acm") == ["Acme"]
    assert listed(client, q="samuel") == ["Suspended Sam"]  # the legal name counts too
    assert listed(client, status="active", business_model="reseller", q="a") == ["Acme"]


def test_filters_never_widen_the_scope(client_for, program):
    assert listed(client_for(program["cam"]), business_model=BusinessModel.MSP) == []


def test_a_bad_country_filter_is_reported_and_shows_no_rows(client_for, program):
    response = client_for(program["ops"]).get(LIST, {"country": "Narnia"})
    assert "country" in response.context["filter_form"].errors
    assert len(response.context["page_obj"]) == 0
    assert b"Some filters were not understood" in response.content


def test_no_match_shows_an_empty_state(client_for, program):
    response = client_for(program["ops"]).get(LIST, {"q": "zzz"})
    assert b"No partners match these filters" in response.content


def test_the_list_is_paginated_with_the_filters_kept(client_for, ops, db):
    PartnerFactory.create_batch(30, business_model="msp")
    client = client_for(ops)
    first = client.get(LIST, {"business_model": "msp"})
    assert len(first.context["page_obj"]) == 25
    assert b"business_model=msp&amp;page=2" in first.content
    assert len(client.get(LIST, {"business_model": "msp", "page": 2}).context["page_obj"]) == 5


def test_the_list_query_count_does_not_grow_with_rows(
    client_for, ops, cam, tiers, django_assert_max_num_queries
):
    def add(n):
        for partner in PartnerFactory.create_batch(n, channel_manager=cam, tier=tiers[1]):
            MembershipFactory.create_batch(2, partner=partner)

    client = client_for(ops)
    add(2)
    with django_assert_max_num_queries(15) as small:
        client.get(LIST)
    add(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(LIST)


# --- Detail scope ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "partner", "status"),
    [
        ("acme_rep", "acme", 200),
        ("acme_rep", "distri", 404),
        ("acme_rep", "globex", 404),
        ("globex_admin", "acme", 404),
        ("distri_admin", "acme", 200),  # its reseller
        ("distri_admin", "globex", 404),
        ("cam", "acme", 200),
        ("cam", "globex", 404),
        ("other_cam", "acme", 404),
        ("ops", "globex", 200),
    ],
)
def test_the_detail_page_answers_404_outside_the_scope(
    client_for, personas, acme, distri, globex, persona, partner, status
):
    target = {"acme": acme, "distri": distri, "globex": globex}[partner]
    assert client_for(personas[persona]).get(detail(target)).status_code == status


def test_staff_see_team_offices_tier_history_assessments_and_the_timeline(
    client_for, cam, acme, acme_admin, tiers, ops
):
    OfficeFactory(partner=acme, name="Leeds office", city="Leeds", country="GB", region="EMEA")
    set_partner_tier(partner=acme, tier=tiers[1], actor=ops, reason="Two certified sellers")
    QualificationFactory(partner=acme, assessed_by=cam, scale=4, skill=5, will=2)
    response = client_for(cam).get(detail(acme))
    body = response.content.decode()
    assert "ada@acme.example" in body
    assert "Leeds office" in body
    assert "Two certified sellers" in body
    assert 'data-testid="qualifications"' in body
    assert 'data-testid="timeline"' in body
    assert 'data-testid="qualify-form"' in body
    assert 'data-testid="ops-actions"' not in body  # status and tier are for ops


def test_every_verb_recorded_on_a_partner_reads_as_words_on_its_timeline(client_for, ops, acme):
    from prm.audit import record_event

    for verb in (
        "tier_review.warned",
        "partner.channel_manager_changed",
        "partner.external_id",
        "partner.mfa_required",
        "partner.mfa_optional",
    ):
        record_event(acme, actor=None, verb=verb)
    body = client_for(ops).get(detail(acme)).content.decode()
    for words in (
        "Warned: below its tier&#x27;s requirements",
        "Channel account manager changed",
        "CRM id changed",
        "Two-factor sign-in required",
        "Two-factor sign-in made optional",
    ):
        assert words in body
    # The verb itself stays only in the title, for those who search the audit trail by it.
    assert ">tier_review.warned<" not in body and ">partner.mfa_required<" not in body


def test_partner_users_do_not_see_internal_assessments(client_for, acme_rep, acme, cam):
    QualificationFactory(partner=acme, assessed_by=cam, scale_notes="Secret note")
    body = client_for(acme_rep).get(detail(acme)).content.decode()
    assert "Secret note" not in body
    assert 'data-testid="timeline"' not in body
    assert 'data-testid="qualify-form"' not in body


def test_a_distributor_page_lists_its_resellers(client_for, distri_admin, distri, acme):
    body = client_for(distri_admin).get(detail(distri)).content.decode()
    assert f'href="{detail(acme)}"' in body


# --- Assessments from the detail page -------------------------------------------------------


def qualify(client, partner, **overrides):
    data = {"scale": "5", "skill": "4", "will": "3", "willingness_to_engage": "5"}
    data.update(overrides)
    return client.post(reverse("partners:partner_qualify", args=[partner.pk]), data)


def test_a_cam_adds_an_assessment_for_an_assigned_partner(client_for, cam, acme):
    response = qualify(client_for(cam), acme, opp_traits=["geographic_coverage"])
    assert response.status_code == 302
    qualification = Qualification.objects.get()
    assert (qualification.partner, qualification.assessed_by) == (acme, cam)
    assert qualification.focus_score == 60


def test_an_invalid_assessment_shows_errors(client_for, cam, acme):
    response = qualify(client_for(cam), acme, scale="9")
    assert response.status_code == 400
    assert "scale" in response.context["qualify_form"].errors
    assert not Qualification.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("other_cam", 404), ("acme_admin", 403), ("distri_admin", 403)]
)
def test_others_cannot_assess(client_for, personas, acme, persona, status):
    assert qualify(client_for(personas[persona]), acme).status_code == status
    assert not Qualification.objects.exists()


# --- Status and tier (ops) ------------------------------------------------------------------


def status_change(client, partner, to, reason="Breach of the conduct clause"):
    return client.post(
        reverse("partners:partner_status", args=[partner.pk]), {"to": to, "reason": reason}
    )


def test_ops_suspend_and_reactivate_with_a_reason(client_for, ops, acme):
    client = client_for(ops)
    assert status_change(client, acme, "suspended").status_code == 302
    acme.refresh_from_db()
    assert acme.status == Partner.Status.SUSPENDED
    event = AuditEvent.objects.get(verb="partner.status_changed")
    assert (event.actor, event.from_state, event.to_state) == (ops, "active", "suspended")
    assert event.reason == "Breach of the conduct clause"

    assert status_change(client, acme, "active", reason="Resolved").status_code == 302
    acme.refresh_from_db()
    assert acme.status == Partner.Status.ACTIVE


def test_a_status_change_needs_a_reason(client_for, ops, acme):
    response = status_change(client_for(ops), acme, "suspended", reason="")
    assert response.status_code == 400
    assert "reason" in response.context["status_form"].errors
    acme.refresh_from_db()
    assert acme.status == Partner.Status.ACTIVE


def test_only_allowed_status_changes_are_offered(client_for, ops, acme):
    response = status_change(client_for(ops), acme, "active")  # already active
    assert response.status_code == 400
    assert "to" in response.context["status_form"].errors


def test_ops_terminate_and_nothing_is_offered_after(client_for, ops, acme):
    client = client_for(ops)
    status_change(client, acme, "terminated")
    acme.refresh_from_db()
    assert acme.status == Partner.Status.TERMINATED
    assert client.get(detail(acme)).context["status_form"].fields["to"].choices == []


@pytest.mark.parametrize(("persona", "status"), [("cam", 403), ("acme_admin", 403)])
def test_only_ops_change_status(client_for, personas, acme, persona, status):
    assert status_change(client_for(personas[persona]), acme, "suspended").status_code == status
    acme.refresh_from_db()
    assert acme.status == Partner.Status.ACTIVE


def tier_change(client, partner, tier, reason="Quarterly review"):
    return client.post(
        reverse("partners:partner_tier", args=[partner.pk]),
        {"tier": tier.pk if tier else "", "reason": reason},
    )


def test_ops_change_the_tier_with_a_reason_and_history(client_for, ops, acme, tiers):
    assert tier_change(client_for(ops), acme, tiers[2]).status_code == 302
    acme.refresh_from_db()
    assert acme.tier == tiers[2]
    row = TierHistory.objects.get(partner=acme, effective_to__isnull=True)
    assert (row.tier, row.reason, row.changed_by) == (tiers[2], "Quarterly review", ops)
    assert AuditEvent.objects.filter(verb="partner.tier_changed").exists()


def test_the_same_tier_or_no_reason_is_refused(client_for, ops, acme, tiers):
    client = client_for(ops)
    same = tier_change(client, acme, tiers[0])
    assert "tier" in same.context["tier_form"].errors
    no_reason = tier_change(client, acme, tiers[1], reason="")
    assert "reason" in no_reason.context["tier_form"].errors
    acme.refresh_from_db()
    assert acme.tier == tiers[0]
    assert not TierHistory.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("cam", 403), ("globex_admin", 403)])
def test_only_ops_change_the_tier(client_for, personas, acme, tiers, persona, status):
    assert tier_change(client_for(personas[persona]), acme, tiers[2]).status_code == status
    acme.refresh_from_db()
    assert acme.tier == tiers[0]


def test_the_detail_page_query_count_does_not_grow_with_the_team(
    client_for, ops, acme, django_assert_max_num_queries
):
    client = client_for(ops)
    MembershipFactory.create_batch(2, partner=acme, office=OfficeFactory(partner=acme))
    with django_assert_max_num_queries(40) as small:
        client.get(detail(acme))
    MembershipFactory.create_batch(15, partner=acme, office=OfficeFactory(partner=acme))
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(detail(acme))
