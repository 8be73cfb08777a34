import io
import re

import pytest
from django.contrib.auth import authenticate
from rest_framework.test import APIClient

from partners.api_keys import (
    DEMO_KEY_NAME,
    api_keys_visible_to,
    bound_partner,
    ensure_demo_api_key,
    issue_api_key,
    revoke_api_key,
)
from partners.exceptions import PartnerError
from partners.models import Partner, PartnerMembership
from partners.selectors import partners_visible_to
from prm.audit import events_for
from prm.exceptions import PermissionDenied
from prm.models import ApiKey, User, hash_api_secret

pytestmark = pytest.mark.django_db


def test_issuing_returns_the_plaintext_once_and_stores_only_its_hash(ops):
    key, plaintext = issue_api_key(name="CRM sync", scopes=["partners:read"], actor=ops)

    assert plaintext.startswith(f"prm_{key.prefix}.")
    secret = plaintext.split(".", 1)[1]
    assert key.hashed_secret == hash_api_secret(secret)
    assert secret not in str(ApiKey.objects.filter(pk=key.pk).values().get())


def test_a_partner_bound_key_acts_as_a_rep_of_that_partner_only(ops, acme, globex):
    key, _ = issue_api_key(name="Acme CRM", scopes=["deals:read"], actor=ops, partner=acme)
    principal = key.principal

    assert principal.is_service_account
    assert principal.email == f"key-{key.prefix}@service.invalid"
    assert not principal.is_internal
    membership = PartnerMembership.objects.get(user=principal)
    assert (membership.partner, membership.role) == (acme, PartnerMembership.Role.REP)
    assert list(partners_visible_to(principal)) == [acme]
    assert bound_partner(key) == acme


def test_an_unbound_key_acts_as_program_ops(ops, acme, globex):
    key, _ = issue_api_key(name="BI export", scopes=["partners:read"], actor=ops)

    assert key.principal.internal_role == User.InternalRole.PROGRAM_OPS
    assert not key.principal.memberships.exists()
    assert set(partners_visible_to(key.principal)) == set(Partner.objects.all())
    assert bound_partner(key) is None


def test_service_accounts_cannot_sign_in(ops, client):
    key, plaintext = issue_api_key(name="CRM", scopes=["partners:read"], actor=ops)
    principal = key.principal

    assert not principal.has_usable_password()
    for password in ("", plaintext, plaintext.split(".", 1)[1]):
        assert authenticate(email=principal.email, password=password) is None
        response = client.post("/accounts/login/", {"login": principal.email, "password": password})
        assert response.status_code == 200  # the form again, with an error
        assert "_auth_user_id" not in client.session


def test_issuing_writes_an_audit_row(ops, acme):
    key, _ = issue_api_key(name="CRM", scopes=["deals:read"], actor=ops, partner=acme)

    event = events_for(key).get()
    assert (event.verb, event.actor, event.to_state) == ("api_key.issued", ops, "active")
    assert event.data == {"scopes": ["deals:read"], "partner_id": acme.pk}


@pytest.mark.parametrize(
    ("scopes", "code"),
    [([], "invalid_scopes"), (["partners:admin"], "invalid_scopes"), (["  "], "invalid_scopes")],
)
def test_scopes_must_be_known_and_not_empty(ops, scopes, code):
    with pytest.raises(PartnerError) as exc:
        issue_api_key(name="CRM", scopes=scopes, actor=ops)
    assert exc.value.code == code
    assert not ApiKey.objects.exists()


def test_a_key_needs_a_name(ops):
    with pytest.raises(PartnerError, match="name"):
        issue_api_key(name="   ", scopes=["partners:read"], actor=ops)


def test_scopes_are_stored_sorted_without_duplicates(ops):
    key, _ = issue_api_key(
        name="CRM", scopes=["deals:read", "partners:read", "deals:read"], actor=ops
    )
    assert key.scopes == ["deals:read", "partners:read"]


def test_a_partner_admin_issues_keys_for_their_own_partner(acme_admin, acme):
    key, _ = issue_api_key(
        name="Our CRM", scopes=["deals:read", "deals:write"], actor=acme_admin, partner=acme
    )
    assert bound_partner(key) == acme
    assert key.created_by == acme_admin


def test_a_partner_admin_may_not_issue_for_another_partner_or_program_wide(
    acme_admin, globex, acme
):
    with pytest.raises(PermissionDenied):
        issue_api_key(name="x", scopes=["deals:read"], actor=acme_admin, partner=globex)
    with pytest.raises(PermissionDenied):
        issue_api_key(name="x", scopes=["deals:read"], actor=acme_admin)
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("scope", ["partners:write", "enablement:write", "scorecards:read"])
def test_a_partner_admin_may_only_grant_partner_side_scopes(acme_admin, acme, scope):
    with pytest.raises(PermissionDenied) as exc:
        issue_api_key(name="x", scopes=["deals:read", scope], actor=acme_admin, partner=acme)
    assert exc.value.details == {"scopes": [scope]}


@pytest.mark.parametrize("persona", ["acme_rep", "cam", "distri_admin"])
def test_reps_managers_and_other_admins_may_not_issue_for_acme(personas, acme, persona):
    with pytest.raises(PermissionDenied):
        issue_api_key(name="x", scopes=["deals:read"], actor=personas[persona], partner=acme)


def test_a_key_cannot_be_bound_to_a_terminated_partner(ops, acme):
    Partner.objects.filter(pk=acme.pk).update(status=Partner.Status.TERMINATED)
    acme.refresh_from_db()
    with pytest.raises(PartnerError, match="terminated"):
        issue_api_key(name="x", scopes=["deals:read"], actor=ops, partner=acme)


def test_revoking_disables_the_key_and_its_account_and_is_audited(ops, acme):
    key, _ = issue_api_key(name="CRM", scopes=["deals:read"], actor=ops, partner=acme)

    revoke_api_key(key=key, actor=ops)
    revoke_api_key(key=key, actor=ops)  # twice changes nothing

    key.refresh_from_db()
    key.principal.refresh_from_db()
    assert key.revoked_at is not None
    assert not key.principal.is_active
    assert [e.verb for e in events_for(key)] == ["api_key.revoked", "api_key.issued"]


def test_a_partner_admin_revokes_their_partners_keys_only(ops, acme_admin, acme, globex):
    own, _ = issue_api_key(name="Acme", scopes=["deals:read"], actor=ops, partner=acme)
    other, _ = issue_api_key(name="Globex", scopes=["deals:read"], actor=ops, partner=globex)
    program, _ = issue_api_key(name="BI", scopes=["partners:read"], actor=ops)

    assert list(api_keys_visible_to(acme_admin)) == [own]
    revoke_api_key(key=own, actor=acme_admin)
    for key in (other, program):
        with pytest.raises(PermissionDenied):
            revoke_api_key(key=key, actor=acme_admin)
        key.refresh_from_db()
        assert key.is_active


def test_keys_visible_to_each_persona(personas, ops, acme, globex):
    acme_key, _ = issue_api_key(name="Acme", scopes=["deals:read"], actor=ops, partner=acme)
    globex_key, _ = issue_api_key(name="Globex", scopes=["deals:read"], actor=ops, partner=globex)
    program_key, _ = issue_api_key(name="BI", scopes=["partners:read"], actor=ops)

    seen = {name: set(api_keys_visible_to(user)) for name, user in personas.items()}
    assert seen["ops"] == {acme_key, globex_key, program_key}
    assert seen["acme_admin"] == {acme_key}
    assert seen["globex_admin"] == {globex_key}
    for persona in ("acme_rep", "distri_admin", "cam", "other_cam"):
        assert seen[persona] == set()
    annotated = api_keys_visible_to(ops).get(pk=acme_key.pk)
    assert (annotated.partner_id, annotated.partner_name) == (acme.pk, "Acme")


def test_the_demo_key_is_printed_and_seeding_again_creates_nothing(db):
    first_out, second_out = io.StringIO(), io.StringIO()
    key = ensure_demo_api_key(first_out)
    again = ensure_demo_api_key(second_out)

    assert again == key
    assert ApiKey.objects.count() == 1
    assert first_out.getvalue() == second_out.getvalue()
    assert key.scopes == sorted(key.scopes)
    assert all(scope.endswith(":read") for scope in key.scopes)
    assert bound_partner(key) is None
    plaintext = re.search(r"prm_\S+", first_out.getvalue()).group(0)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    assert api.get("/api/v1/partners/").status_code == 200
    assert api.post("/api/v1/partners/1/status/", {}, format="json").status_code == 403


def test_a_revoked_demo_key_stays_revoked_and_is_replaced_once(ops):
    revoked = ensure_demo_api_key(io.StringIO())
    revoke_api_key(key=revoked, actor=ops)

    replacement = ensure_demo_api_key(io.StringIO())
    again = ensure_demo_api_key(io.StringIO())

    revoked.refresh_from_db()
    assert not revoked.is_active
    assert replacement.is_active
    assert again == replacement
    assert ApiKey.objects.count() == 2


def test_seeding_revokes_other_active_keys_with_the_demo_name(ops):
    older, _ = issue_api_key(name=DEMO_KEY_NAME, scopes=["partners:read"], actor=ops)

    current = ensure_demo_api_key(io.StringIO())

    older.refresh_from_db()
    assert not older.is_active
    assert ApiKey.objects.filter(name=DEMO_KEY_NAME, revoked_at__isnull=True).get() == current
