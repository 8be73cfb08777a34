import pytest

from partners.models import BusinessModel, Partner, TierHistory
from prm.audit import events_for
from tests.factories import PartnerFactory

from .assertions import error_of

pytestmark = pytest.mark.django_db

PARTNERS = "/api/v1/partners/"

SCOPE = {
    "acme_admin": {"Acme"},
    "acme_rep": {"Acme"},
    "globex_admin": {"Globex"},
    "distri_admin": {"Acme", "Distri"},
    "cam": {"Acme", "Distri"},
    "other_cam": {"Globex"},
    "ops": {"Acme", "Distri", "Globex"},
}


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [p["display_name"] for p in response.json()["results"]]


@pytest.mark.parametrize("persona", sorted(SCOPE))
def test_each_persona_lists_exactly_the_partners_the_portal_shows_them(
    personas, session_for, persona
):
    assert set(names(session_for(personas[persona]).get(PARTNERS))) == SCOPE[persona]


@pytest.mark.parametrize("persona", sorted(SCOPE))
def test_a_partner_outside_the_scope_is_404(personas, session_for, acme, globex, distri, persona):
    client = session_for(personas[persona])
    for partner in (acme, globex, distri):
        response = client.get(f"{PARTNERS}{partner.pk}/")
        expected = 200 if partner.display_name in SCOPE[persona] else 404
        assert response.status_code == expected


def test_a_partner_reads_as_a_complete_record(session_for, acme_rep, acme, distri, cam, team):
    body = session_for(acme_rep).get(f"{PARTNERS}{acme.pk}/").json()

    assert body["display_name"] == "Acme"
    assert body["status"] == "active"
    assert body["tier"] == {"id": acme.tier_id, "rank": 1, "name": "Registered"}
    assert body["parent_distributor"] == {"id": distri.pk, "display_name": "Distri"}
    assert body["channel_manager"] == {
        "id": cam.pk,
        "email": "cam@vendor.example",
        "full_name": "Casey Manager",
    }
    assert body["team"] == {"id": team.pk, "name": "Resale team"}
    assert body["regions_served"] == ["NA"]


def test_a_terminated_partners_users_see_nothing(session_for, acme_rep, acme):
    Partner.objects.filter(pk=acme.pk).update(status=Partner.Status.TERMINATED)

    assert names(session_for(acme_rep).get(PARTNERS)) == []


# --- Filters, search, ordering, pagination ------------------------------------------------------


@pytest.fixture
def program(ops, acme, globex, distri, tiers, other_cam):
    PartnerFactory(
        display_name="Zeta Referrals",
        business_model=BusinessModel.REFERRAL,
        hq_country="FR",
        status=Partner.Status.SUSPENDED,
        channel_manager=other_cam,
        tier=tiers[2],
    )
    return ops


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=suspended", ["Zeta Referrals"]),
        ("status=active&status=suspended", ["Acme", "Distri", "Globex", "Zeta Referrals"]),
        ("business_model=msp", ["Globex"]),
        ("business_model=msp&business_model=distributor", ["Distri", "Globex"]),
        ("country=de", ["Globex"]),
        ("country=FR", ["Zeta Referrals"]),
        ("search=zeta", ["Zeta Referrals"]),
        ("search=acme ltd", ["Acme"]),
        ("ordering=-display_name", ["Zeta Referrals", "Globex", "Distri", "Acme"]),
    ],
)
def test_filters_search_and_ordering(session_for, program, query, expected):
    assert names(session_for(program).get(f"{PARTNERS}?{query}")) == expected


def test_filters_by_tier_manager_and_distributor(session_for, program, tiers, cam, distri):
    client = session_for(program)
    assert names(client.get(f"{PARTNERS}?tier={tiers[2].pk}")) == ["Globex", "Zeta Referrals"]
    assert names(client.get(f"{PARTNERS}?channel_manager={cam.pk}")) == ["Acme", "Distri"]
    assert names(client.get(f"{PARTNERS}?parent_distributor={distri.pk}")) == ["Acme"]


def test_filters_never_widen_the_scope(session_for, acme_rep, globex):
    assert names(session_for(acme_rep).get(f"{PARTNERS}?business_model=msp")) == []


def test_a_bad_filter_value_is_400_with_field_details(session_for, program):
    response = session_for(program).get(f"{PARTNERS}?status=dormant&tier=gold")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["details"]) == {"status", "tier"}


def test_pages_are_numbered_with_counts_and_links(session_for, ops):
    PartnerFactory.create_batch(7)
    client = session_for(ops)

    first = client.get(f"{PARTNERS}?page_size=3").json()
    last = client.get(f"{PARTNERS}?page_size=3&page=3").json()

    assert first["count"] == 7
    assert len(first["results"]) == 3
    assert "page=2" in first["next"]
    assert first["previous"] is None
    assert len(last["results"]) == 1
    assert last["next"] is None
    assert client.get(f"{PARTNERS}?page=9").status_code == 404


def test_listing_partners_costs_the_same_queries_for_more_rows(
    session_for, ops, distri_admin, distri, cam, team, tiers, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            PartnerFactory(parent_distributor=distri, channel_manager=cam, team=team, tier=tiers[0])

    for user in (ops, distri_admin):
        client = session_for(user)
        add(2)
        with django_assert_max_num_queries(8) as few:
            assert client.get(PARTNERS).status_code == 200
        baseline = len(few)  # read now: every request resets the query log
        add(20)
        with django_assert_max_num_queries(baseline):
            assert len(client.get(PARTNERS).json()["results"]) > 20


# --- Status and tier changes (program ops) ------------------------------------------------------


def test_ops_suspend_a_partner_with_a_reason_in_the_audit_trail(session_for, ops, acme):
    response = session_for(ops).post(
        f"{PARTNERS}{acme.pk}/status/",
        {"status": "suspended", "reason": "Unpaid invoices"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "suspended"
    event = events_for(acme).get(verb="partner.status_changed")
    assert (event.actor, event.from_state, event.to_state, event.reason) == (
        ops,
        "active",
        "suspended",
        "Unpaid invoices",
    )


def test_an_invalid_transition_is_409_and_changes_nothing(session_for, ops, acme):
    response = session_for(ops).post(
        f"{PARTNERS}{acme.pk}/status/", {"status": "applied", "reason": "Oops"}, format="json"
    )

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "invalid_transition"
    assert error["details"] == {"from": "active", "to": "applied"}
    acme.refresh_from_db()
    assert acme.status == "active"
    assert not events_for(acme).exists()


def test_a_status_change_needs_a_known_status_and_a_reason(session_for, ops, acme):
    response = session_for(ops).post(
        f"{PARTNERS}{acme.pk}/status/", {"status": "dormant"}, format="json"
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["details"]) == {"status", "reason"}


def test_ops_move_a_partner_to_another_tier_with_history(session_for, ops, acme, tiers):
    response = session_for(ops).post(
        f"{PARTNERS}{acme.pk}/tier/",
        {"tier": tiers[1].pk, "reason": "Two certified engineers", "effective_from": "2026-04-01"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["tier"]["name"] == "Silver"
    history = TierHistory.objects.get(partner=acme, effective_to__isnull=True)
    assert (history.tier, str(history.effective_from)) == (tiers[1], "2026-04-01")
    assert events_for(acme).get(verb="partner.tier_changed").to_state == "Silver"


def test_an_unknown_tier_is_400(session_for, ops, acme):
    response = session_for(ops).post(
        f"{PARTNERS}{acme.pk}/tier/", {"tier": 999999, "reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "tier" in error_of(response)["details"]


@pytest.mark.parametrize(
    "persona", ["acme_admin", "acme_rep", "distri_admin", "globex_admin", "cam", "other_cam"]
)
@pytest.mark.parametrize("action", ["status", "tier"])
def test_only_ops_change_status_or_tier(personas, session_for, acme, tiers, persona, action):
    body = {"status": "suspended", "tier": tiers[2].pk, "reason": "Because"}

    response = session_for(personas[persona]).post(
        f"{PARTNERS}{acme.pk}/{action}/", body, format="json"
    )

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    acme.refresh_from_db()
    assert (acme.status, acme.tier) == ("active", tiers[0])


def test_ops_get_404_for_an_unknown_partner(session_for, ops):
    response = session_for(ops).post(
        f"{PARTNERS}999999/status/", {"status": "suspended", "reason": "x"}, format="json"
    )
    assert response.status_code == 404


def test_partners_are_neither_created_nor_replaced_nor_deleted_through_the_collection(
    session_for, ops, acme
):
    # Partners join through applications; a profile changes field by field (PATCH, below).
    client = session_for(ops)
    assert client.post(PARTNERS, {}, format="json").status_code == 405
    assert client.put(f"{PARTNERS}{acme.pk}/", {}, format="json").status_code == 405
    assert client.delete(f"{PARTNERS}{acme.pk}/").status_code == 405


# --- The profile ---------------------------------------------------------------------------------


def test_a_partner_admin_patches_the_profile_and_only_the_fields_sent_change(
    session_for, acme_admin, acme
):
    response = session_for(acme_admin).patch(
        f"{PARTNERS}{acme.pk}/",
        {"display_name": "Acme Cloud", "target_sectors": ["retail"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["display_name"], response.json()["target_sectors"]) == (
        "Acme Cloud",
        ["retail"],
    )
    acme.refresh_from_db()
    assert acme.regions_served == ["NA"]
    (event,) = [e for e in events_for(acme) if e.verb == "partner.profile_changed"]
    assert set(event.data["changes"]) == {"display_name", "target_sectors"}


@pytest.mark.parametrize(
    "persona, status", [("acme_rep", 403), ("cam", 403), ("globex_admin", 404)]
)
def test_only_the_partners_admins_and_ops_patch_its_profile(
    personas, session_for, acme, persona, status
):
    response = session_for(personas[persona]).patch(
        f"{PARTNERS}{acme.pk}/", {"display_name": "Taken"}, format="json"
    )
    assert response.status_code == status
    acme.refresh_from_db()
    assert acme.display_name == "Acme"


def test_the_agreements_facts_are_program_ops_to_change(session_for, acme_admin, ops, acme):
    response = session_for(acme_admin).patch(
        f"{PARTNERS}{acme.pk}/", {"legal_name": "Someone Else Ltd"}, format="json"
    )
    assert response.status_code == 403
    assert "legal name" in error_of(response)["message"]

    response = session_for(ops).patch(
        f"{PARTNERS}{acme.pk}/",
        {"legal_name": "Acme Holdings Ltd", "hq_country": "gb"},
        format="json",
    )
    assert response.status_code == 200, response.content
    acme.refresh_from_db()
    assert (acme.legal_name, acme.hq_country) == ("Acme Holdings Ltd", "GB")


def test_a_bad_profile_is_400_with_every_field_and_nothing_changes(session_for, ops, acme):
    response = session_for(ops).patch(
        f"{PARTNERS}{acme.pk}/",
        {"hq_country": "UK", "regions_served": [], "website": "nope", "display_name": "Fine"},
        format="json",
    )
    assert response.status_code == 400
    assert set(error_of(response)["details"]) == {"hq_country", "regions_served", "website"}
    acme.refresh_from_db()
    assert acme.display_name == "Acme"
