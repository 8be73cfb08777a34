"""The Redis cache, degrading instead of failing while Redis is unreachable.

Nothing the portal keeps in the cache is the only copy of anything: API rate-limit counters and
sign-in throttles. When Redis is down (restarting, failing over) a page must still answer, so
every operation that cannot reach Redis logs a warning and behaves as an empty cache that
grants everything: ``get`` returns the default, ``add`` reports the key added (so a lock taken
in the cache, like the sign-in throttle's, is granted instead of waited for and refused),
``incr`` raises ``ValueError`` as for a missing key (callers start the count again). Limits
therefore fail open for as long as the outage lasts, the lesser harm next to refusing every page.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# One warning per this many seconds, not one per request, while the outage lasts.
WARN_EVERY = 30.0


def _degrading(miss):
    """Run the operation; when Redis cannot be reached, log and return ``miss(*args)``."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as exc:
                self._warn(method.__name__, exc)
                return miss(*args, **kwargs)

        return wrapper

    return decorate


def _missing_key(*args, **kwargs):
    raise ValueError("The cache is unreachable; the key is treated as missing.")


class ResilientRedisCache(RedisCache):
    _last_warning = 0.0

    def _warn(self, operation: str, exc: BaseException) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._last_warning >= WARN_EVERY:
            ResilientRedisCache._last_warning = now
            logger.warning("Cache %s failed, Redis unreachable (degrading): %s", operation, exc)

    add = _degrading(lambda *a, **k: True)(RedisCache.add)
    get = _degrading(lambda key, default=None, *a, **k: default)(RedisCache.get)
    set = _degrading(lambda *a, **k: None)(RedisCache.set)
    touch = _degrading(lambda *a, **k: False)(RedisCache.touch)
    delete = _degrading(lambda *a, **k: False)(RedisCache.delete)
    get_many = _degrading(lambda *a, **k: {})(RedisCache.get_many)
    has_key = _degrading(lambda *a, **k: False)(RedisCache.has_key)
    incr = _degrading(_missing_key)(RedisCache.incr)
    set_many = _degrading(lambda data, *a, **k: list(data))(RedisCache.set_many)
    delete_many = _degrading(lambda *a, **k: None)(RedisCache.delete_many)
    clear = _degrading(lambda *a, **k: False)(RedisCache.clear)
