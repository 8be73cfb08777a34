"""My organisation: facts, team, invitations, removals and the agreement, each for the right
people only."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from partners.models import (
    Agreement,
    AgreementAcceptance,
    Invitation,
    Partner,
    PartnerMembership,
)
from prm.models import AuditEvent
from tests.factories import MembershipFactory, OfficeFactory, PartnerFactory, UserFactory

MINE = reverse("partners:my_partner")


def invite_url(partner):
    return reverse("partners:partner_invite", args=[partner.pk])


def remove_url(membership):
    return reverse("partners:member_remove", args=[membership.partner_id, membership.pk])


def revoke_url(invitation):
    return reverse("partners:invitation_revoke", args=[invitation.partner_id, invitation.pk])


def membership_of(user):
    return PartnerMembership.objects.get(user=user)


@pytest.fixture
def open_invitation(acme, acme_admin):
    return Invitation.objects.create(
        partner=acme,
        email="pending@acme.example",
        invited_by=acme_admin,
        expires_at=timezone.now() + dt.timedelta(days=3),
    )


@pytest.fixture
def agreement(db):
    return Agreement.objects.create(
        version="2026.1", title="Partner Program Agreement", body="1. Be excellent to customers."
    )


# --- The page -----------------------------------------------------------------------------------


def test_a_partner_admin_sees_the_organisation_team_and_invite_form(
    client_for, acme_admin, acme_rep, open_invitation
):
    response = client_for(acme_admin).get(MINE)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="my-partner"' in body
    assert "rex@acme.example" in body
    assert "pending@acme.example" in body
    assert 'data-testid="invite-form"' in body


def test_a_rep_sees_the_team_but_cannot_manage_it(client_for, acme_rep, acme_admin):
    response = client_for(acme_rep).get(MINE)
    body = response.content.decode()
    assert "ada@acme.example" in body
    assert 'data-testid="invite-form"' not in body
    assert "Remove" not in body


def test_the_page_never_shows_another_partners_people(client_for, acme_admin, globex_admin):
    body = client_for(acme_admin).get(MINE).content.decode()
    assert "gina@globex.example" not in body


def test_a_member_of_two_partners_can_switch_between_them(client_for, acme_admin, globex):
    MembershipFactory(user=acme_admin, partner=globex, role="rep")
    client = client_for(acme_admin)
    assert client.get(MINE).context["partner"].display_name == "Acme"
    assert client.get(MINE, {"partner": globex.pk}).context["partner"] == globex
    other = PartnerFactory(display_name="Not mine")
    assert client.get(MINE, {"partner": other.pk}).context["partner"].display_name == "Acme"


def test_staff_are_sent_to_the_partner_list(client_for, cam, ops):
    for user in (cam, ops):
        response = client_for(user).get(MINE)
        assert response.status_code == 302
        assert response["Location"] == reverse("partners:partner_list")


def test_someone_without_a_partner_is_refused(client_for, db):
    assert client_for(UserFactory()).get(MINE).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    assert "/accounts/login/" in client.get(MINE)["Location"]


# --- Inviting ---------------------------------------------------------------------------------


def test_a_partner_admin_invites_a_colleague_to_an_office(
    client_for, acme_admin, acme, django_capture_on_commit_callbacks
):
    office = OfficeFactory(partner=acme, name="Lyon")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(acme_admin).post(
            invite_url(acme),
            {"email": "New.Person@Acme.example", "role": "rep", "office": office.pk},
        )
    assert response.status_code == 302
    assert response["Location"] == f"{MINE}?partner={acme.pk}"
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.office) == (
        "new.person@acme.example",
        "rep",
        office,
    )
    assert mail.outbox[-1].to == ["new.person@acme.example"]
    assert AuditEvent.objects.filter(verb="partner.user_invited").exists()


def test_a_vendor_staff_address_is_refused_when_invited_not_when_accepting(
    client_for, acme_admin, acme, ops
):
    response = client_for(acme_admin).post(
        invite_url(acme), {"email": ops.email.upper(), "role": "rep"}
    )
    assert response.status_code == 400
    assert response.context["invite_form"].errors["email"] == [
        f"{ops.email} is a vendor staff account; staff cannot join a partner."
    ]
    assert not Invitation.objects.exists()
    assert not mail.outbox


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not-an-email", "role": "rep"}, "email"),
        ({"email": "x@acme.example", "role": "owner"}, "role"),
    ],
)
def test_bad_invitations_show_form_errors(client_for, acme_admin, acme, data, field):
    response = client_for(acme_admin).post(invite_url(acme), data)
    assert response.status_code == 400
    assert field in response.context["invite_form"].errors
    assert not Invitation.objects.exists()


def test_an_office_of_another_partner_is_not_a_choice(client_for, acme_admin, acme, globex):
    foreign = OfficeFactory(partner=globex)
    response = client_for(acme_admin).post(
        invite_url(acme), {"email": "x@acme.example", "role": "rep", "office": foreign.pk}
    )
    assert response.status_code == 400
    assert "office" in response.context["invite_form"].errors
    assert not Invitation.objects.exists()


def test_inviting_a_current_member_is_refused_with_a_message(
    client_for, acme_admin, acme_rep, acme
):
    response = client_for(acme_admin).post(
        invite_url(acme), {"email": "rex@acme.example", "role": "rep"}
    )
    assert response.status_code == 400
    assert "already a member" in str(response.context["invite_form"].non_field_errors())


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("globex_admin", 404),  # another partner: not even its existence
        ("acme_rep", 403),  # own partner, but not an admin
        ("distri_admin", 403),  # sees its reseller, does not manage its people
        ("cam", 403),
    ],
)
def test_only_the_partners_admins_and_ops_may_invite(client_for, personas, acme, persona, status):
    response = client_for(personas[persona]).post(
        invite_url(acme), {"email": "x@acme.example", "role": "rep"}
    )
    assert response.status_code == status
    assert not Invitation.objects.exists()


def test_ops_invite_from_the_partner_page(client_for, ops, acme):
    response = client_for(ops).post(invite_url(acme), {"email": "x@acme.example", "role": "admin"})
    assert response["Location"] == acme.get_absolute_url()
    assert Invitation.objects.get().role == "admin"


def test_invitations_are_post_only(client_for, acme_admin, acme):
    assert client_for(acme_admin).get(invite_url(acme)).status_code == 405


# --- Revoking -------------------------------------------------------------------------------


def test_an_admin_revokes_an_open_invitation(client_for, acme_admin, open_invitation):
    response = client_for(acme_admin).post(revoke_url(open_invitation))
    assert response.status_code == 302
    open_invitation.refresh_from_db()
    assert open_invitation.revoked_at is not None
    assert AuditEvent.objects.filter(verb="partner.invitation_revoked").exists()


@pytest.mark.parametrize(("persona", "status"), [("globex_admin", 404), ("acme_rep", 403)])
def test_others_cannot_revoke(client_for, personas, open_invitation, persona, status):
    assert client_for(personas[persona]).post(revoke_url(open_invitation)).status_code == status
    open_invitation.refresh_from_db()
    assert open_invitation.revoked_at is None


def test_an_invitation_of_another_partner_is_not_found_through_mine(
    client_for, acme_admin, acme, globex
):
    foreign = Invitation.objects.create(
        partner=globex, email="g@globex.example", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    url = reverse("partners:invitation_revoke", args=[acme.pk, foreign.pk])
    assert client_for(acme_admin).post(url).status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


# --- Removing -------------------------------------------------------------------------------


def test_an_admin_removes_a_rep_who_then_cannot_sign_in(client_for, acme_admin, acme_rep):
    response = client_for(acme_admin).post(remove_url(membership_of(acme_rep)))
    assert response.status_code == 302
    assert not PartnerMembership.objects.filter(user=acme_rep).exists()
    acme_rep.refresh_from_db()
    assert not acme_rep.is_active
    assert AuditEvent.objects.filter(verb="partner.user_removed").exists()


def test_the_last_admin_cannot_be_removed(client_for, ops, acme_admin):
    response = client_for(ops).post(remove_url(membership_of(acme_admin)), follow=True)
    assert "must keep at least one admin" in response.content.decode()
    assert PartnerMembership.objects.filter(user=acme_admin).exists()


def test_an_admin_cannot_remove_themselves(client_for, acme_admin, acme):
    MembershipFactory(partner=acme, role="admin")
    response = client_for(acme_admin).post(remove_url(membership_of(acme_admin)), follow=True)
    assert "cannot remove yourself" in response.content.decode()
    assert PartnerMembership.objects.filter(user=acme_admin).exists()


def test_a_second_admin_can_be_removed_by_the_first(client_for, acme_admin, acme):
    second = MembershipFactory(partner=acme, role="admin")
    client_for(acme_admin).post(remove_url(second))
    assert not PartnerMembership.objects.filter(pk=second.pk).exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("globex_admin", 404), ("acme_rep", 403), ("distri_admin", 403)]
)
def test_admins_of_another_partner_and_reps_cannot_remove(
    client_for, personas, acme_admin, acme_rep, persona, status
):
    membership = membership_of(acme_rep)
    assert client_for(personas[persona]).post(remove_url(membership)).status_code == status
    assert PartnerMembership.objects.filter(pk=membership.pk).exists()


def test_a_membership_of_another_partner_is_not_found_through_mine(
    client_for, acme_admin, acme, globex_admin
):
    foreign = membership_of(globex_admin)
    url = reverse("partners:member_remove", args=[acme.pk, foreign.pk])
    assert client_for(acme_admin).post(url).status_code == 404
    assert PartnerMembership.objects.filter(pk=foreign.pk).exists()


# --- The agreement --------------------------------------------------------------------------


@pytest.fixture
def onboarding(acme):
    Partner.objects.filter(pk=acme.pk).update(status=Partner.Status.ONBOARDING, activated_at=None)
    acme.refresh_from_db()
    return acme


def test_an_onboarding_partner_sees_the_agreement_and_its_admin_the_accept_button(
    client_for, onboarding, agreement, acme_admin, acme_rep
):
    for url in (reverse("home"), MINE):
        body = client_for(acme_admin).get(url).content.decode()
        assert "Be excellent to customers." in body
        assert 'data-testid="accept-agreement"' in body
    rep_body = client_for(acme_rep).get(reverse("home")).content.decode()
    assert "Be excellent to customers." in rep_body
    assert 'data-testid="accept-agreement"' not in rep_body


def test_accepting_the_agreement_activates_the_partner(
    client_for, onboarding, agreement, acme_admin
):
    client = client_for(acme_admin)
    response = client.post(reverse("partners:agreement_accept", args=[onboarding.pk]))
    assert response["Location"] == reverse("home")
    onboarding.refresh_from_db()
    assert onboarding.status == Partner.Status.ACTIVE
    assert onboarding.activated_at is not None
    assert AgreementAcceptance.objects.get().accepted_by == acme_admin
    assert b'data-testid="agreement-banner"' not in client.get(reverse("home")).content


@pytest.mark.parametrize(("persona", "status"), [("acme_rep", 403), ("globex_admin", 404)])
def test_only_the_partners_admin_accepts(
    client_for, personas, onboarding, agreement, persona, status
):
    url = reverse("partners:agreement_accept", args=[onboarding.pk])
    assert client_for(personas[persona]).post(url).status_code == status
    onboarding.refresh_from_db()
    assert onboarding.status == Partner.Status.ONBOARDING
    assert not AgreementAcceptance.objects.exists()


def test_an_active_partner_is_asked_to_accept_a_new_agreement_version(
    client_for, acme, acme_admin, agreement
):
    AgreementAcceptance.objects.create(partner=acme, agreement=agreement, accepted_by=acme_admin)
    client = client_for(acme_admin)
    assert b'data-testid="agreement-banner"' not in client.get(MINE).content
    Agreement.objects.create(version="2027.1", title="Partner Program Agreement", body="v2 text")
    body = client.get(MINE).content.decode()
    assert "A new partner agreement is available" in body
    assert "v2 text" in body
