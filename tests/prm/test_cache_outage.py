"""The Redis cache while Redis cannot be reached: every operation degrades to an empty cache
that grants everything, so the pages, sign-in and API that use it keep answering."""

import socket

import pytest
from django.core.cache.backends.redis import RedisCache
from rest_framework.test import APIClient

from partners.api_keys import issue_api_key
from prm.cache import ResilientRedisCache


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable():
    """A cache pointed at a port where nothing listens."""
    location = f"redis://127.0.0.1:{free_port()}/0"
    options = {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    return ResilientRedisCache(location, options), RedisCache(location, options)


def test_every_operation_degrades_instead_of_raising(unreachable):
    cache, plain = unreachable
    with pytest.raises(Exception, match="onnect"):
        plain.get("key")  # what the portal would have raised

    assert cache.get("key", "default") == "default"
    assert cache.add("lock", True, timeout=5) is True  # a lock is granted, not waited for
    cache.set("key", 1)
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.has_key("key") is False
    assert cache.delete("key") is False
    cache.delete_many(["a"])
    assert cache.touch("key") is False
    assert cache.get_or_set("key", 7) == 7
    with pytest.raises(ValueError):  # as for a missing key: callers start counting again
        cache.incr("count")


def test_the_api_rate_limit_lets_requests_through_during_an_outage(settings, ops):
    # The default cache as production configures it, on Redis (one script per request).
    settings.CACHES = {
        "default": {
            "BACKEND": "prm.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    _key, plaintext = issue_api_key(name="CRM", scopes=["partners:read"], actor=ops)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {plaintext}")
    for _request in range(3):
        response = client.get("/api/v1/partners/")
        assert response.status_code == 200
        assert response["X-RateLimit-Remaining"]
