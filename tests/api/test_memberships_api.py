import pytest
from django.core import mail

from partners.models import Invitation, PartnerMembership
from prm.models import IdempotencyRecord
from tests.factories import MembershipFactory, OfficeFactory, PartnerFactory

from .assertions import error_of

pytestmark = pytest.mark.django_db

MEMBERSHIPS = "/api/v1/memberships/"
INVITATIONS = "/api/v1/invitations/"


def emails(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {m["user"]["email"] for m in response.json()["results"]}


ACME = {"ada@acme.example", "rex@acme.example"}
DISTRI = {"dan@distri.example"}
GLOBEX = {"gina@globex.example"}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("acme_admin", ACME),
        ("acme_rep", ACME),
        ("globex_admin", GLOBEX),
        ("distri_admin", ACME | DISTRI),
        ("cam", ACME | DISTRI),
        ("other_cam", GLOBEX),
        ("ops", ACME | DISTRI | GLOBEX),
    ],
)
def test_each_persona_lists_the_people_of_its_partners(personas, session_for, persona, expected):
    assert emails(session_for(personas[persona]).get(MEMBERSHIPS)) == expected


def test_key_service_accounts_are_not_listed_as_people(personas, session_for, issue_key, acme):
    issue_key("deals:read", partner=acme)

    assert emails(session_for(personas["acme_admin"]).get(MEMBERSHIPS)) == ACME


def test_memberships_filter_by_partner_and_role(personas, session_for, acme, distri):
    client = session_for(personas["ops"])
    assert emails(client.get(f"{MEMBERSHIPS}?partner={acme.pk}")) == ACME
    assert emails(client.get(f"{MEMBERSHIPS}?partner={acme.pk}&role=rep")) == {"rex@acme.example"}
    assert emails(client.get(f"{MEMBERSHIPS}?role=admin")) == {
        "ada@acme.example",
        "dan@distri.example",
        "gina@globex.example",
    }


def test_a_membership_reads_with_user_partner_and_office(personas, session_for, acme_rep, acme):
    office = OfficeFactory(partner=acme, name="Berlin", country="DE", region="EMEA")
    PartnerMembership.objects.filter(user=acme_rep).update(office=office)

    rows = session_for(acme_rep).get(f"{MEMBERSHIPS}?role=rep").json()["results"]

    assert rows[0]["user"]["full_name"] == "Rex Rep"
    assert rows[0]["partner"] == {"id": acme.pk, "display_name": "Acme"}
    assert rows[0]["office"]["name"] == "Berlin"
    assert rows[0]["office"]["region"] == "EMEA"


def test_listing_memberships_costs_the_same_queries_for_more_rows(
    session_for, ops, acme_admin, acme, django_assert_max_num_queries
):
    office = OfficeFactory(partner=acme)
    for user in (ops, acme_admin):
        client = session_for(user)
        MembershipFactory.create_batch(2, partner=acme, office=office)
        with django_assert_max_num_queries(8) as few:
            assert client.get(MEMBERSHIPS).status_code == 200
        baseline = len(few)  # read now: every request resets the query log
        MembershipFactory.create_batch(15, partner=acme, office=office)
        with django_assert_max_num_queries(baseline):
            assert client.get(MEMBERSHIPS).json()["count"] > 15


# --- Removing people ----------------------------------------------------------------------------


def test_a_partner_admin_removes_a_rep(session_for, acme_admin, acme_rep):
    membership = PartnerMembership.objects.get(user=acme_rep)

    response = session_for(acme_admin).delete(f"{MEMBERSHIPS}{membership.pk}/")

    assert response.status_code == 204
    assert not PartnerMembership.objects.filter(pk=membership.pk).exists()
    acme_rep.refresh_from_db()
    assert not acme_rep.is_active


def test_a_rep_may_not_remove_anyone(session_for, acme_admin, acme_rep):
    membership = PartnerMembership.objects.get(user=acme_admin)

    response = session_for(acme_rep).delete(f"{MEMBERSHIPS}{membership.pk}/")

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert PartnerMembership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize("persona", ["globex_admin", "other_cam"])
def test_people_of_other_partners_are_404(personas, session_for, acme_rep, persona):
    membership = PartnerMembership.objects.get(user=acme_rep)

    response = session_for(personas[persona]).delete(f"{MEMBERSHIPS}{membership.pk}/")

    assert response.status_code == 404
    assert PartnerMembership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize("persona", ["distri_admin", "cam"])
def test_seeing_a_partner_is_not_administering_it(personas, session_for, acme_rep, persona):
    membership = PartnerMembership.objects.get(user=acme_rep)

    response = session_for(personas[persona]).delete(f"{MEMBERSHIPS}{membership.pk}/")

    assert response.status_code == 403
    assert PartnerMembership.objects.filter(pk=membership.pk).exists()


def test_the_last_admin_cannot_be_removed(session_for, ops, acme_admin):
    membership = PartnerMembership.objects.get(user=acme_admin)

    response = session_for(ops).delete(f"{MEMBERSHIPS}{membership.pk}/")

    assert response.status_code == 400
    assert error_of(response)["code"] == "last_admin"


def test_a_key_service_account_cannot_be_removed_as_a_person(session_for, issue_key, acme_admin):
    key, _ = issue_key("deals:read", partner=acme_admin.memberships.get().partner)
    membership = PartnerMembership.objects.get(user=key.principal)

    response = session_for(acme_admin).delete(f"{MEMBERSHIPS}{membership.pk}/")

    assert response.status_code == 404


# --- Invitations --------------------------------------------------------------------------------


def invite(client, partner, email="new@acme.example", **extra):
    return client.post(INVITATIONS, {"partner": partner.pk, "email": email, **extra}, format="json")


def test_a_partner_admin_invites_someone(
    session_for, acme_admin, acme, django_capture_on_commit_callbacks
):
    office = OfficeFactory(partner=acme, name="HQ")

    with django_capture_on_commit_callbacks(execute=True):
        response = invite(session_for(acme_admin), acme, role="admin", office=office.pk)

    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "new@acme.example"
    assert body["role"] == "admin"
    assert body["office"]["name"] == "HQ"
    assert body["invited_by"]["email"] == "ada@acme.example"
    invitation = Invitation.objects.get()
    assert invitation.partner == acme
    assert [m.to for m in mail.outbox] == [["new@acme.example"]]
    assert "token" not in body


@pytest.mark.parametrize("persona", ["acme_rep", "distri_admin", "cam"])
def test_only_the_partners_admins_or_ops_invite(personas, session_for, acme, persona):
    response = invite(session_for(personas[persona]), acme, role="rep")

    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_a_partner_outside_the_scope_is_an_invalid_choice(session_for, globex_admin, acme):
    response = invite(session_for(globex_admin), acme)

    assert response.status_code == 400
    assert "partner" in error_of(response)["details"]
    assert not Invitation.objects.exists()


def test_another_partners_office_is_an_invalid_choice(session_for, acme_admin, acme, globex):
    response = invite(session_for(acme_admin), acme, office=OfficeFactory(partner=globex).pk)

    assert response.status_code == 400
    assert "office" in error_of(response)["details"]


def test_inviting_a_member_is_a_domain_error(session_for, acme_admin, acme_rep, acme):
    response = invite(session_for(acme_admin), acme, email="REX@acme.example")

    assert response.status_code == 400
    assert error_of(response)["code"] == "already_member"


def test_a_bad_invitation_is_400_with_every_field_error(session_for, acme_admin):
    response = session_for(acme_admin).post(
        INVITATIONS, {"email": "not-an-email", "role": "owner"}, format="json"
    )

    assert response.status_code == 400
    assert set(error_of(response)["details"]) == {"partner", "email", "role"}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("acme_admin", {"a@acme.example"}),
        ("acme_rep", set()),
        ("distri_admin", {"d@distri.example"}),
        ("globex_admin", set()),
        ("cam", {"a@acme.example", "d@distri.example"}),
        ("other_cam", set()),
        ("ops", {"a@acme.example", "d@distri.example"}),
    ],
)
def test_open_invitations_are_listed_to_their_administrators(
    personas, session_for, ops, acme, distri, persona, expected
):
    client = session_for(ops)
    invite(client, acme, email="a@acme.example", role="admin")
    invite(client, distri, email="d@distri.example", role="admin")

    response = session_for(personas[persona]).get(INVITATIONS)

    assert response.status_code == 200
    assert {i["email"] for i in response.json()["results"]} == expected


def test_a_partner_admin_revokes_an_open_invitation(session_for, acme_admin, acme):
    client = session_for(acme_admin)
    pk = invite(client, acme).json()["id"]

    assert client.delete(f"{INVITATIONS}{pk}/").status_code == 204
    assert Invitation.objects.get(pk=pk).revoked_at is not None
    assert client.get(INVITATIONS).json()["results"] == []
    assert client.delete(f"{INVITATIONS}{pk}/").status_code == 404


def test_listing_invitations_costs_the_same_queries_for_more_rows(
    session_for, ops, acme, django_assert_max_num_queries
):
    client = session_for(ops)
    office = OfficeFactory(partner=acme)
    for i in range(2):
        invite(client, acme, email=f"a{i}@acme.example", office=office.pk)
    with django_assert_max_num_queries(6) as few:
        client.get(INVITATIONS)
    baseline = len(few)  # read now: every request resets the connection's query log
    for i in range(2, 15):
        invite(client, PartnerFactory(), email=f"a{i}@acme.example", role="admin")
    with django_assert_max_num_queries(baseline):
        assert client.get(INVITATIONS).json()["count"] == 15


# --- Idempotency --------------------------------------------------------------------------------


def test_the_same_idempotency_key_and_body_replays_the_first_answer(
    session_for, acme_admin, acme, django_capture_on_commit_callbacks
):
    client = session_for(acme_admin)
    body = {"partner": acme.pk, "email": "new@acme.example"}

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(INVITATIONS, body, format="json", HTTP_IDEMPOTENCY_KEY="inv-1")
        again = client.post(INVITATIONS, body, format="json", HTTP_IDEMPOTENCY_KEY="inv-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_same_idempotency_key_with_another_body_is_409(session_for, acme_admin, acme):
    client = session_for(acme_admin)
    client.post(
        INVITATIONS,
        {"partner": acme.pk, "email": "new@acme.example"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="inv-1",
    )

    response = client.post(
        INVITATIONS,
        {"partner": acme.pk, "email": "other@acme.example"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="inv-1",
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_key_reused"
    assert list(Invitation.objects.values_list("email", flat=True)) == ["new@acme.example"]


def test_idempotency_keys_belong_to_one_caller(session_for, acme_admin, ops, acme):
    body = {"partner": acme.pk, "email": "new@acme.example"}
    session_for(acme_admin).post(INVITATIONS, body, format="json", HTTP_IDEMPOTENCY_KEY="k")

    response = session_for(ops).post(INVITATIONS, body, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert IdempotencyRecord.objects.count() == 2


def test_a_refused_request_keeps_its_idempotency_key_free(session_for, acme_rep, acme_admin, acme):
    """An error is not an answer worth replaying: once the caller fixes the cause, the same key
    goes through."""
    body = {"partner": acme.pk, "email": "new@acme.example"}

    refused = session_for(acme_rep).post(INVITATIONS, body, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert refused.status_code == 403
    assert not IdempotencyRecord.objects.exists()
    assert not Invitation.objects.exists()


def test_an_admin_patches_a_members_role_and_office(session_for, acme_admin, acme_rep, acme):
    office = OfficeFactory(partner=acme, name="Leeds")
    rep = PartnerMembership.objects.get(user=acme_rep)
    response = session_for(acme_admin).patch(
        f"{MEMBERSHIPS}{rep.pk}/", {"role": "admin", "office": office.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["role"], response.json()["office"]["name"]) == ("admin", "Leeds")
    # Only the fields sent change: the office stays when only the role is sent.
    response = session_for(acme_admin).patch(
        f"{MEMBERSHIPS}{rep.pk}/", {"role": "rep"}, format="json"
    )
    rep.refresh_from_db()
    assert (rep.role, rep.office) == ("rep", office)


def test_a_members_office_must_be_one_of_its_partners(session_for, acme_admin, acme_rep, globex):
    theirs = OfficeFactory(partner=globex, name="Berlin")
    rep = PartnerMembership.objects.get(user=acme_rep)
    response = session_for(acme_admin).patch(
        f"{MEMBERSHIPS}{rep.pk}/", {"office": theirs.pk}, format="json"
    )
    assert response.status_code == 400
    assert error_of(response)["details"] == {"office": ["Not an office of this partner."]}
    rep.refresh_from_db()
    assert rep.office is None


def test_the_last_admin_keeps_the_role_and_others_cannot_change_members(
    session_for, ops, acme_admin, acme_rep, globex_admin
):
    admin = PartnerMembership.objects.get(user=acme_admin)
    response = session_for(ops).patch(f"{MEMBERSHIPS}{admin.pk}/", {"role": "rep"}, format="json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "last_admin"
    assert (
        session_for(acme_rep)
        .patch(f"{MEMBERSHIPS}{admin.pk}/", {"role": "rep"}, format="json")
        .status_code
        == 403
    )
    assert (
        session_for(globex_admin)
        .patch(f"{MEMBERSHIPS}{admin.pk}/", {"role": "rep"}, format="json")
        .status_code
        == 404
    )
    admin.refresh_from_db()
    assert admin.role == "admin"
