"""Accepting an invitation: no login needed, the link is the proof of the address."""

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from partners.exceptions import PartnerError
from partners.models import Invitation, PartnerMembership
from partners.services import invite_user
from prm.models import User
from tests.factories import OfficeFactory, UserFactory

GOOD_PASSWORD = "plum-orbit-harbour-42"


@pytest.fixture
def invitation(acme, acme_admin):
    return Invitation.objects.create(
        partner=acme,
        email="newbie@acme.example",
        role=PartnerMembership.Role.REP,
        office=OfficeFactory(partner=acme, name="Berlin"),
        invited_by=acme_admin,
        expires_at=timezone.now() + dt.timedelta(days=14),
    )


def url(invitation):
    return reverse("partners:invitation_accept", args=[invitation.token])


def test_the_page_shows_the_partner_the_role_and_the_office(client, invitation):
    response = client.get(url(invitation))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Join Acme" in body
    assert "Partner rep" in body
    assert "Berlin" in body
    assert "newbie@acme.example" in body


def test_accepting_creates_the_account_logs_in_and_lands_on_the_partner_home(client, invitation):
    response = client.post(
        url(invitation),
        {"full_name": "Nia Newbie", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = User.objects.get(email="newbie@acme.example")
    assert user.full_name == "Nia Newbie"
    assert user.check_password(GOOD_PASSWORD)
    membership = PartnerMembership.objects.get(user=user)
    assert (membership.partner, membership.role, membership.office) == (
        invitation.partner,
        "rep",
        invitation.office,
    )
    assert EmailAddress.objects.get(user=user).verified
    home = client.get(reverse("home"))
    assert b'data-testid="home-partner"' in home.content
    assert home.context["user"] == user


@pytest.mark.parametrize(
    ("password1", "password2", "field", "message"),
    [
        ("short", "short", "password1", "too short"),
        ("password123", "password123", "password1", "too common"),
        ("12345678901234", "12345678901234", "password1", "entirely numeric"),
        ("newbie-acme", "newbie-acme", "password1", "too similar"),
        (GOOD_PASSWORD, GOOD_PASSWORD + "x", "password2", "The two passwords differ"),
    ],
)
def test_weak_or_mismatched_passwords_are_refused(
    client, invitation, password1, password2, field, message
):
    response = client.post(
        url(invitation),
        {"full_name": "Nia Newbie", "password1": password1, "password2": password2},
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert not User.objects.filter(email="newbie@acme.example").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_a_full_name_is_required(client, invitation):
    response = client.post(
        url(invitation), {"full_name": "", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert "full_name" in response.context["form"].errors


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expires_at": timezone.now() - dt.timedelta(minutes=1)}, "It expired on"),
        ({"revoked_at": timezone.now()}, "withdrawn or replaced"),
        ({"accepted_at": timezone.now()}, "already accepted"),
    ],
)
def test_a_closed_invitation_says_so_clearly_and_cannot_be_used(
    client, invitation, change, message
):
    Invitation.objects.filter(pk=invitation.pk).update(**change)
    response = client.get(url(invitation))
    assert response.status_code == 410
    assert message in response.content.decode()
    response = client.post(
        url(invitation),
        {"full_name": "Nia", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert response.status_code == 410
    assert not User.objects.filter(email="newbie@acme.example").exists()


def test_an_unknown_token_is_not_found(client, db):
    assert client.get(reverse("partners:invitation_accept", args=["nope"])).status_code == 404


def test_someone_with_an_account_confirms_their_password_instead(client, invitation, password):
    existing = UserFactory(email="newbie@acme.example", full_name="Nia Existing")
    page = client.get(url(invitation))
    assert page.context["existing_account"]
    assert "password" in page.context["form"].fields

    wrong = client.post(url(invitation), {"password": "not-it"})
    assert "not correct" in wrong.context["form"].errors["password"][0]
    assert not PartnerMembership.objects.filter(user=existing).exists()

    response = client.post(url(invitation), {"password": password})
    assert response.status_code == 302
    assert PartnerMembership.objects.filter(user=existing, partner=invitation.partner).exists()
    existing.refresh_from_db()
    assert existing.full_name == "Nia Existing"


def test_a_staff_account_cannot_join_a_partner(client, invitation, password):
    UserFactory(email="newbie@acme.example", internal_role="cam")
    response = client.post(url(invitation), {"password": password})
    assert response.status_code == 200
    assert "Staff accounts cannot join" in str(response.context["form"].non_field_errors())
    assert not PartnerMembership.objects.filter(user__email="newbie@acme.example").exists()


def test_inviting_a_member_of_another_partner_is_told_first_then_may_go_ahead(
    client_for, acme, acme_admin, globex_admin
):
    client = client_for(acme_admin)
    url = reverse("partners:partner_invite", args=[acme.pk])
    response = client.post(url, {"email": "GINA@globex.example", "role": "rep"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "already belongs to another partner organisation" in body
    assert "Globex" not in body  # the other partner is not named
    assert 'data-testid="invite-anyway"' in body
    assert not Invitation.objects.filter(email="gina@globex.example").exists()

    response = client.post(
        url, {"email": "gina@globex.example", "role": "rep", "invite_anyway": "on"}
    )
    assert response.status_code == 302
    assert Invitation.objects.filter(partner=acme, email="gina@globex.example").exists()


def test_the_service_refuses_the_same_invitation_unless_told_to_go_ahead(
    acme, acme_admin, globex_admin
):
    with pytest.raises(PartnerError) as refused:
        invite_user(partner=acme, email="gina@globex.example", role="rep", actor=acme_admin)
    assert refused.value.code == "member_of_another_partner"
    invitation = invite_user(
        partner=acme, email="gina@globex.example", role="rep", actor=acme_admin,
        invite_anyway=True,
    )  # fmt: skip
    assert invitation.partner == acme
