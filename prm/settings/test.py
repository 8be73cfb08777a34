"""Settings for the test suite: fast hashing, emails kept in memory, tasks run in-process.

The database still follows ``DATABASE_URL``, so CI runs the same suite on PostgreSQL.
"""

import os
from urllib.parse import urlsplit

from .base import *  # noqa: F403
from .base import BASE_DIR, REDIS_CACHE, REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"
MEDIA_ROOT = BASE_DIR / ".test-media"
# Never a read replica in tests: a test's data lives in its transaction on the primary, which a
# second connection would not see (the router is tested on its own).
DATABASES.pop("replica", None)  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_RATE_LIMITS = False
# Tests that are not about MFA sign in without enrolling; tests/security turn this on.
PRM_ENFORCE_MFA = False
# The suite calls the API far faster than an integration; tests of rate limits set their own.
PRM_API_RATE_LIMIT = 1_000_000
# Tests analyse tables and expect the new estimate at once.
PRM_TABLE_ESTIMATE_MAX_AGE = 0

# Tests clear the cache between them (``cache.clear()`` empties a whole Redis database): on
# Redis, each parallel test process gets a database of its own, so none clears another's counts.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _xdist_worker.startswith("gw"):
    _database = 8 + int(_xdist_worker[2:]) % 8
    CACHES = {
        "default": {
            **REDIS_CACHE,
            "LOCATION": urlsplit(REDIS_URL)._replace(path=f"/{_database}").geturl(),
        }
    }
