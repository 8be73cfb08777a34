"""Per-key rate limits. Every answer to an API key carries its limit in headers:

``X-RateLimit-Limit`` (requests per window), ``X-RateLimit-Remaining``, ``X-RateLimit-Reset``
(seconds until the window ends); a refused request is a 429 with ``Retry-After``.

The count lives in the Django cache (Redis in production, so every web process shares it; the
local-memory cache in tests and the embedded default). A fixed one-minute window keyed by the
key's id and the window's number: one atomic count per request (on Redis a single round trip),
and the window's key expires by itself. While Redis is unreachable the count fails open
(``prm.cache``): requests are let through rather than refused. Portal sessions are not limited
here: people are limited by the sign-in throttle.
"""

import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import BaseThrottle

from prm.cache import UNREACHABLE
from prm.models import ApiKey

WINDOW_SECONDS = 60
HEADERS_ATTRIBUTE = "_rate_limit_headers"


def default_rate_limit() -> int:
    return int(getattr(settings, "PRM_API_RATE_LIMIT", 600))


def limit_of(key: ApiKey) -> int:
    return key.rate_limit or default_rate_limit()


class ApiKeyRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        key = request.auth
        if not isinstance(key, ApiKey):
            return True
        limit = limit_of(key)
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        used = count_request(f"api-rate:{key.pk}:{window}")
        self.reset = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
        # On the Django request, where ``RateLimitHeadersMiddleware`` finds it for the answer.
        setattr(
            request._request,
            HEADERS_ATTRIBUTE,
            {
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(max(0, limit - used)),
                "X-RateLimit-Reset": str(self.reset),
            },
        )
        return used <= limit

    def wait(self):
        return self.reset


def count_request(cache_key: str) -> int:
    """Add one request to the window's count and return the count; the first request of a
    window creates it. Atomic on Redis and on the local-memory cache."""
    timeout = WINDOW_SECONDS + 5
    backend = caches["default"]  # not the ``cache`` proxy: isinstance needs the backend
    if isinstance(backend, RedisCache):
        return _count_on_redis(backend, cache_key, timeout)
    backend.add(cache_key, 0, timeout=timeout)
    try:
        return backend.incr(cache_key)
    except ValueError:  # evicted between add and incr: start the window again
        backend.set(cache_key, 1, timeout=timeout)
        return 1


# Create the window at 0 if it is new, then count this request: atomic, and one round trip
# where the cache's own add() and incr() take three (SET NX, EXISTS, INCR) on every request.
_COUNT_SCRIPT = """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
return redis.call('INCR', KEYS[1])
"""


def _count_on_redis(redis_cache: RedisCache, cache_key: str, timeout: int) -> int:
    # The cache's key (prefix, version) and integer encoding, so cache.get() reads the count.
    full_key = redis_cache.make_and_validate_key(cache_key)
    try:
        return int(_count_script(redis_cache)(keys=[full_key], args=[timeout]))
    except UNREACHABLE:
        return 0  # fails open while Redis is unreachable, as the cache itself does


def _count_script(redis_cache: RedisCache):
    """The counting script, registered once per cache backend (each thread has its own): the
    cache would build a new client for every request, which costs more than the round trip,
    and a registered script is sent as its hash (EVALSHA; loaded again if Redis lost it)."""
    script = getattr(redis_cache, "_rate_count_script", None)
    if script is None:
        client = redis_cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        script = client.register_script(_COUNT_SCRIPT)
        redis_cache._rate_count_script = script  # type: ignore[attr-defined]
    return script


class RateLimitHeadersMiddleware:
    """Copies the throttle's numbers onto the answer, refusals included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in getattr(request, HEADERS_ATTRIBUTE, {}).items():
            response[name] = value
        return response
