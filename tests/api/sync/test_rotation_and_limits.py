"""API key rotation with an overlap period, and per-key rate limits with their headers."""

import datetime as dt
import os
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.cache import caches
from django.utils import timezone
from rest_framework.test import APIClient

from partners.api_keys import issue_api_key, rotate_api_key
from prm.api.throttles import WINDOW_SECONDS, count_request
from prm.models import ApiKey, AuditEvent
from tests.deals.api_support import error_of, session

pytestmark = pytest.mark.django_db

PARTNERS = "/api/v1/partners/"


def client_for(plaintext: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    return client


class TestRotation:
    def test_old_key_works_until_the_overlap_ends(self, ops):
        start = timezone.now()
        with time_machine.travel(start, tick=False) as clock:
            key, old_plain = issue_api_key(name="CRM", scopes=["partners:read"], actor=ops)
            successor, new_plain = rotate_api_key(key=key, actor=ops, overlap_hours=2)
            assert successor.scopes == key.scopes
            assert client_for(old_plain).get(PARTNERS).status_code == 200
            assert client_for(new_plain).get(PARTNERS).status_code == 200
            clock.move_to(start + dt.timedelta(hours=1, minutes=59))
            assert client_for(old_plain).get(PARTNERS).status_code == 200
            clock.move_to(start + dt.timedelta(hours=2, seconds=1))
            assert client_for(old_plain).get(PARTNERS).status_code == 401
            assert client_for(new_plain).get(PARTNERS).status_code == 200
        key.refresh_from_db()
        assert key.replaced_by == successor
        assert AuditEvent.objects.filter(verb="api_key.rotated", object_id=str(key.pk)).exists()

    def test_a_key_rotates_itself_through_the_api(self, ops):
        key, plaintext = issue_api_key(name="CRM", scopes=["partners:read"], actor=ops)
        response = client_for(plaintext).post(
            f"/api/v1/api-keys/{key.pk}/rotate/", {"overlap_hours": 1}, format="json"
        )
        assert response.status_code == 201, response.json()
        new_plain = response.json()["key"]
        assert new_plain.startswith("prm_")
        assert client_for(new_plain).get(PARTNERS).status_code == 200
        assert client_for(plaintext).get(PARTNERS).status_code == 200  # overlap
        # Rotating the old key a second time is refused: it already has a successor.
        again = client_for(plaintext).post(f"/api/v1/api-keys/{key.pk}/rotate/", {}, format="json")
        assert again.status_code == 409
        assert error_of(again)["code"] == "not_rotatable"

    def test_revoking_the_old_key_keeps_the_successor_working(self, ops):
        key, _plain = issue_api_key(name="CRM", scopes=["partners:read"], actor=ops)
        _successor, new_plain = rotate_api_key(key=key, actor=ops, overlap_hours=24)
        session(ops).post(f"/api/v1/api-keys/{key.pk}/revoke/")
        assert client_for(new_plain).get(PARTNERS).status_code == 200

    def test_a_key_sees_only_itself_and_cannot_issue(self, ops, acme):
        mine, plaintext = issue_api_key(name="Mine", scopes=["partners:read"], actor=ops)
        other, _ = issue_api_key(name="Other", scopes=["partners:read"], actor=ops, partner=acme)
        client = client_for(plaintext)
        listed = {row["id"] for row in client.get("/api/v1/api-keys/").json()["results"]}
        assert listed == {mine.pk}
        assert client.post(f"/api/v1/api-keys/{other.pk}/rotate/", {}).status_code == 404
        issued = client.post(
            "/api/v1/api-keys/", {"name": "x", "scopes": ["partners:read"]}, format="json"
        )
        assert issued.status_code == 403

    def test_partner_admins_manage_only_their_keys(self, ops, acme, globex, acme_admin):
        acme_key, _ = issue_api_key(name="A", scopes=["deals:read"], actor=ops, partner=acme)
        globex_key, _ = issue_api_key(name="G", scopes=["deals:read"], actor=ops, partner=globex)
        client = session(acme_admin)
        listed = {row["id"] for row in client.get("/api/v1/api-keys/").json()["results"]}
        assert listed == {acme_key.pk}
        assert client.post(f"/api/v1/api-keys/{globex_key.pk}/rotate/", {}).status_code == 404
        assert client.post(f"/api/v1/api-keys/{acme_key.pk}/rotate/", {}).status_code == 201

    def test_portal_rotation_page(self, ops, client):
        key, _ = issue_api_key(name="CRM", scopes=["partners:read"], actor=ops)
        client.force_login(ops)
        page = client.get(f"/api-keys/{key.pk}/rotate/")
        assert page.status_code == 200
        response = client.post(f"/api-keys/{key.pk}/rotate/", {"overlap_hours": "6"})
        assert response.status_code == 200
        assert b'data-testid="rotation-overlap"' in response.content
        key.refresh_from_db()
        assert key.replaced_by is not None
        assert key.expires_at == pytest.approx(
            timezone.now() + dt.timedelta(hours=6), abs=dt.timedelta(minutes=1)
        )

    def test_overlap_out_of_range_is_a_form_error(self, ops, client):
        key, _ = issue_api_key(name="CRM", scopes=["partners:read"], actor=ops)
        client.force_login(ops)
        response = client.post(f"/api-keys/{key.pk}/rotate/", {"overlap_hours": "99999"})
        assert response.status_code == 200
        assert response.context["form"].errors
        key.refresh_from_db()
        assert key.replaced_by is None


class TestRateLimits:
    def test_headers_then_429_with_retry_after(self, ops, settings):
        settings.PRM_API_RATE_LIMIT = 3
        _key, plaintext = issue_api_key(name="CRM", scopes=["partners:read"], actor=ops)
        client = client_for(plaintext)
        with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, 15, tzinfo=dt.UTC), tick=False):
            answers = [client.get(PARTNERS) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
        assert all(a["X-RateLimit-Limit"] == "3" for a in answers)
        assert answers[0]["X-RateLimit-Reset"] == "45"
        assert answers[3]["Retry-After"] == "45"
        assert error_of(answers[3])["code"] == "throttled"

    def test_the_window_resets(self, ops, settings):
        settings.PRM_API_RATE_LIMIT = 1
        _key, plaintext = issue_api_key(name="CRM", scopes=["partners:read"], actor=ops)
        client = client_for(plaintext)
        with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, 59, tzinfo=dt.UTC)) as clock:
            assert client.get(PARTNERS).status_code == 200
            assert client.get(PARTNERS).status_code == 429
            clock.move_to(dt.datetime(2026, 3, 2, 10, 1, 0, 500000, tzinfo=dt.UTC))
            assert client.get(PARTNERS).status_code == 200

    def test_limit_per_key(self, ops, settings):
        settings.PRM_API_RATE_LIMIT = 1
        generous, plain_a = issue_api_key(name="A", scopes=["partners:read"], actor=ops)
        _other, plain_b = issue_api_key(name="B", scopes=["partners:read"], actor=ops)
        response = session(ops).post(
            f"/api/v1/api-keys/{generous.pk}/rate-limit/", {"rate_limit": 5}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["effective_rate_limit"] == 5
        assert ApiKey.objects.get(pk=generous.pk).rate_limit == 5
        with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, 0, tzinfo=dt.UTC), tick=False):
            assert [client_for(plain_a).get(PARTNERS).status_code for _ in range(5)] == [200] * 5
            assert client_for(plain_b).get(PARTNERS).status_code == 200
            assert client_for(plain_b).get(PARTNERS).status_code == 429

    def test_only_ops_set_limits(self, ops, acme, acme_admin):
        key, _ = issue_api_key(name="A", scopes=["deals:read"], actor=ops, partner=acme)
        response = session(acme_admin).post(
            f"/api/v1/api-keys/{key.pk}/rate-limit/", {"rate_limit": 100000}, format="json"
        )
        assert response.status_code == 403
        assert ApiKey.objects.get(pk=key.pk).rate_limit is None

    def test_portal_sessions_are_not_counted(self, ops, settings):
        settings.PRM_API_RATE_LIMIT = 1
        client = session(ops)
        assert [client.get(PARTNERS).status_code for _ in range(3)] == [200] * 3


def redis_url() -> str:
    """The Redis database of this test process alone (as in ``prm/settings/test.py``).

    Between tests, ``cache.clear()`` empties the whole database the default cache points at
    (``tests/api/conftest.py`` clears it after ``redis_cache`` has pointed it here); on a database
    shared by the parallel test processes, one process's clear would wipe the counts of a test
    running in another."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    database = 8 + int(worker.removeprefix("gw") or 0) % 8
    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    return urlsplit(base)._replace(path=f"/{database}").geturl()


@pytest.fixture
def redis_cache(settings):
    """The default cache on Redis, as in production (skipped where no Redis answers)."""
    import uuid

    import redis

    url = redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        pytest.skip("no Redis at REDIS_URL")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    yield caches["default"]
    client = redis.Redis.from_url(url)
    for name in client.scan_iter(f"{prefix}:*"):
        client.delete(name)


class TestRateLimitsOnRedis:
    def test_headers_then_429_with_retry_after(self, ops, settings, redis_cache):
        settings.PRM_API_RATE_LIMIT = 3
        _key, plaintext = issue_api_key(name="CRM", scopes=["partners:read"], actor=ops)
        client = client_for(plaintext)
        with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, 15, tzinfo=dt.UTC), tick=False):
            answers = [client.get(PARTNERS) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
        assert answers[3]["Retry-After"] == "45"

    def test_the_count_lives_in_the_cache_and_expires_with_its_window(self, redis_cache):
        import redis

        assert [count_request("api-rate:7:100") for _ in range(3)] == [1, 2, 3]
        assert redis_cache.get("api-rate:7:100") == 3
        assert count_request("api-rate:7:101") == 1
        full_key = redis_cache.make_and_validate_key("api-rate:7:100")
        ttl = redis.Redis.from_url(redis_url()).ttl(full_key)
        assert 0 < ttl <= WINDOW_SECONDS + 5
