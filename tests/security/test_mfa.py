"""Multi-factor authentication: enrolment, signing in with a code or a recovery code, and who
must use it before reaching their pages."""

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.urls import reverse

from partners.services import set_mfa_requirement
from prm.models import AuditEvent
from tests.factories import UserFactory

from .mfa_helpers import enrol, sign_in, totp_code

ENROL_URL = "/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def _enforced(settings):
    settings.PRM_ENFORCE_MFA = True
    # Used codes and rate limits live in the cache; tests must not see each other's.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin_user(db):
    return UserFactory(email="root@vendor.example", internal_role="admin", is_staff=True)


@pytest.mark.parametrize("persona", ["cam", "ops", "admin_user"])
def test_internal_staff_without_mfa_are_sent_to_enrolment(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    response = client.get(reverse("deals:deal_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(ENROL_URL)
    assert "next=/deals/" in response["Location"]


def test_an_htmx_request_is_sent_to_enrolment_as_a_whole_page(client_for, cam):
    response = client_for(cam).get(reverse("deals:deal_list"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == ENROL_URL


def test_with_mfa_staff_reach_their_pages(client_for, cam):
    enrol(cam)
    assert client_for(cam).get(reverse("deals:deal_list")).status_code == 200


def test_enrolment_sign_out_and_mfa_pages_stay_reachable(client_for, cam):
    client = client_for(cam)
    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get(reverse("swagger-ui")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert client.get(reverse("deals:deal_list"))["Location"].startswith("/accounts/login/")


def test_a_session_api_call_is_refused_in_the_api_error_shape(client_for, cam):
    response = client_for(cam).get("/api/v1/registrations/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "mfa_required"


def test_api_keys_are_not_affected(api_client, ops):
    from partners.api_keys import issue_api_key

    _key, secret = issue_api_key(name="CRM", scopes=["deals:read"], actor=ops)
    response = api_client.get("/api/v1/registrations/", HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert response.status_code == 200


def test_partner_users_may_go_without_mfa(client_for, acme_rep):
    assert client_for(acme_rep).get(reverse("deals:deal_list")).status_code == 200


def test_a_partner_whose_admin_requires_mfa_behaves_like_staff(
    client_for, acme, acme_admin, acme_rep, globex_admin
):
    response = client_for(acme_admin).post(
        reverse("partners:mfa_requirement", args=[acme.pk]), {"require_mfa": "on"}
    )
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.require_mfa
    assert AuditEvent.objects.filter(verb="partner.mfa_required", actor=acme_admin).exists()

    client = client_for(acme_rep)
    assert client.get(reverse("deals:deal_list"))["Location"].startswith(ENROL_URL)
    enrol(acme_rep)
    assert client.get(reverse("deals:deal_list")).status_code == 200
    # Another partner's people are not concerned.
    assert client_for(globex_admin).get(reverse("deals:deal_list")).status_code == 200


def test_only_the_partners_admins_set_the_requirement(client_for, acme, acme_rep, globex_admin):
    url = reverse("partners:mfa_requirement", args=[acme.pk])
    assert client_for(acme_rep).post(url, {"require_mfa": "on"}).status_code == 403
    assert client_for(globex_admin).post(url, {"require_mfa": "on"}).status_code == 404
    acme.refresh_from_db()
    assert not acme.require_mfa


def test_enrolment_with_a_code_from_the_authenticator_app(
    client, cam, password, django_capture_on_commit_callbacks
):
    response = sign_in(client, cam, password)
    assert response.status_code == 302
    response = client.get(reverse("home"))
    assert response["Location"].startswith(ENROL_URL)

    # Adding an authenticator asks for the password again (allauth's reauthentication).
    response = client.get(ENROL_URL)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": password})
    page = client.get(ENROL_URL)
    assert page.status_code == 200
    secret = page.context["form"].secret
    wrong = client.post(ENROL_URL, {"code": "000000" if totp_code(secret) != "000000" else "1"})
    assert wrong.status_code == 200 and not Authenticator.objects.filter(user=cam).exists()

    # allauth announces the change once its transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ENROL_URL, {"code": totp_code(secret)})
    assert response.status_code == 302
    types = set(Authenticator.objects.filter(user=cam).values_list("type", flat=True))
    assert types == {"totp", "recovery_codes"}
    assert client.get(reverse("deals:deal_list")).status_code == 200
    assert AuditEvent.objects.filter(verb="mfa.authenticator_added", actor=cam).exists()


def test_signing_in_asks_for_the_code_after_the_password(client, cam, password):
    enrol(cam)
    response = sign_in(client, cam, password)
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet: the portal still sends to the login page.
    assert client.get(reverse("deals:deal_list"))["Location"].startswith("/accounts/login/")

    wrong = client.post(reverse("mfa_authenticate"), {"code": totp_code(step=5)})
    assert wrong.status_code == 200
    assert AuditEvent.objects.filter(verb="mfa.code_rejected", actor=cam).exists()

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert client.get(reverse("deals:deal_list")).status_code == 200
    assert AuditEvent.objects.filter(verb="account.signed_in", actor=cam).exists()


def test_a_recovery_code_signs_in_once(client, cam, password):
    codes = enrol(cam)
    sign_in(client, cam, password)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("deals:deal_list")).status_code == 200

    client.post(reverse("account_logout"))
    sign_in(client, cam, password)
    again = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert again.status_code == 200, "a used recovery code is refused"
    assert client.post(reverse("mfa_authenticate"), {"code": codes[1]}).status_code == 302


def test_regenerating_recovery_codes_is_audited(
    client, cam, password, django_capture_on_commit_callbacks
):
    enrol(cam)
    sign_in(client, cam, password)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    client.post(reverse("account_reauthenticate"), {"password": password})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_generate_recovery_codes"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(verb="mfa.recovery_codes_regenerated", actor=cam).exists()


def test_staff_cannot_remove_their_only_authenticator(client, cam, password):
    enrol(cam)
    sign_in(client, cam, password)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    client.post(reverse("account_reauthenticate"), {"password": password})
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=cam, type="totp").exists()


def test_partner_users_may_remove_theirs(client, acme_rep, password):
    enrol(acme_rep)
    sign_in(client, acme_rep, password)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    client.post(reverse("account_reauthenticate"), {"password": password})
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=acme_rep, type="totp").exists()
    assert AuditEvent.objects.filter(verb="mfa.authenticator_removed", actor=acme_rep).exists()


def test_partner_admins_see_and_change_the_setting_on_their_team_page(client_for, acme_admin):
    html = client_for(acme_admin).get(reverse("partners:my_partner")).content.decode()
    assert 'name="require_mfa"' in html


def test_set_mfa_requirement_refuses_reps(acme, acme_rep):
    from prm.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        set_mfa_requirement(partner=acme, required=True, actor=acme_rep)
