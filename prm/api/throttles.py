"""Per-key rate limits. Every answer to an API key carries its limit in headers:

``X-RateLimit-Limit`` (requests per window), ``X-RateLimit-Remaining``, ``X-RateLimit-Reset``
(seconds until the window ends); a refused request is a 429 with ``Retry-After``.

The count lives in the Django cache (Redis in production, so every web process shares it; the
local-memory cache in tests and the embedded default). A fixed one-minute window keyed by the
key's id and the window's number: one atomic ``incr`` per request, and the window's key expires
by itself. While Redis is unreachable the count fails open (``prm.cache``): requests are let
through rather than refused. Portal sessions are not limited here: people are limited by the
sign-in throttle.
"""

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

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
        cache_key = f"api-rate:{key.pk}:{window}"
        # add() then incr(): atomic on Redis and locmem; the first request of a window creates it.
        cache.add(cache_key, 0, timeout=WINDOW_SECONDS + 5)
        try:
            used = cache.incr(cache_key)
        except ValueError:  # evicted between add and incr: start the window again
            cache.set(cache_key, 1, timeout=WINDOW_SECONDS + 5)
            used = 1
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


class RateLimitHeadersMiddleware:
    """Copies the throttle's numbers onto the answer, refusals included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in getattr(request, HEADERS_ATTRIBUTE, {}).items():
            response[name] = value
        return response
