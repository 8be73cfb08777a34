"""Sign-in throttling cannot be turned against other people: failures count per account *and*
client, and the client is found through the configured number of trusted proxies only."""

import pytest
from django.core.cache import cache

from prm.models import AuditEvent
from tests.factories import UserFactory

WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def _rate_limits_on(settings):
    # The test settings turn allauth's limits off; these tests are about them (defaults:
    # 5 failures per 5 minutes per account and 10 per minute per address).
    settings.ACCOUNT_RATE_LIMITS = {}
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def victim(db):
    return UserFactory(email="victim@acme.example")


@pytest.fixture
def colleague(db):
    return UserFactory(email="colleague@acme.example")


def attempt(client, user, password, **headers):
    return client.post("/accounts/login/", {"login": user.email, "password": password}, **headers)


def locked(response) -> bool:
    return response.status_code == 200 and "Too many failed login attempts" in (
        response.content.decode()
    )


def test_failures_from_one_client_lock_only_that_client_out_of_that_account(
    client_factory, victim, colleague, password
):
    attacker = client_factory(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        assert attempt(attacker, victim, WRONG).status_code == 200
    assert locked(attempt(attacker, victim, password))

    # The victim, from their own address, still signs in; so does a colleague from the
    # attacker's address (the per-address limit is higher).
    assert attempt(client_factory(REMOTE_ADDR="198.51.100.7"), victim, password).status_code == 302
    assert attempt(attacker, colleague, password).status_code == 302


def test_behind_a_proxy_each_client_counts_on_its_own(settings, client_factory, victim, password):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    attacker = client_factory(REMOTE_ADDR=proxy)
    for n in range(5):
        # A forged left part changes nothing: only the entry the proxy appended is trusted.
        response = attempt(
            attacker, victim, WRONG, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9"
        )
        assert response.status_code == 200
    assert locked(
        attempt(attacker, victim, password, HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.9")
    )
    other_client = client_factory(REMOTE_ADDR=proxy)
    response = attempt(other_client, victim, password, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 302


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client_factory, victim, password):
    attacker = client_factory(REMOTE_ADDR="203.0.113.9")
    for n in range(5):
        attempt(attacker, victim, WRONG, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert locked(attempt(attacker, victim, password, HTTP_X_FORWARDED_FOR="192.0.2.200"))


def test_a_failed_sign_in_is_audited_without_the_password(client, victim):
    attempt(client, victim, WRONG)
    attempt(client, UserFactory.build(email="nobody@nowhere.example"), WRONG)
    rows = AuditEvent.objects.filter(verb="account.sign_in_failed").order_by("id")
    assert [(r.actor_id, r.object_repr) for r in rows] == [
        (victim.pk, "victim@acme.example"),
        (None, "nobody@nowhere.example"),
    ]
    assert all(WRONG not in str(r.data) and "password" not in r.data for r in rows)
    assert rows[0].data["client_ip"] == "127.0.0.1"


@pytest.fixture
def client_factory():
    from django.test import Client

    return lambda **defaults: Client(**defaults)
