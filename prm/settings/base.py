"""Settings shared by every environment; each value that differs comes from the environment.

With no environment at all the portal runs embedded: SQLite, Celery tasks executed in-process and
a local-memory cache. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
"""

import os
from pathlib import Path
from typing import overload

import dj_database_url
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

from . import jobs

BASE_DIR = Path(__file__).resolve().parent.parent.parent


@overload
def env(name: str, default: str) -> str: ...
@overload
def env(name: str, default: None = None) -> str | None: ...
def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-embedded-key-only-for-local-use")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "prm",
    "partners",
    "enablement",
    "deals",
    "mdf",
    "scorecards",
    "prm.webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "prm.middleware.RequestIdMiddleware",
    "prm.api.throttles.RateLimitHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "prm.middleware.MfaRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "prm.urls"
WSGI_APPLICATION = "prm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partners.context_processors.navigation",
            ],
            # The one date and one date-and-time format of every template.
            "builtins": ["prm.templatetags.formatting"],
        },
    },
]


def database(url: str) -> dict:
    """One database's settings from its URL: persistent connections, and on PostgreSQL the
    options every connection of the portal gets."""
    config = dj_database_url.parse(
        url,
        conn_max_age=60,
        # A persistent connection the database dropped (restart, failover, a terminated
        # backend) is noticed and replaced before the next request uses it.
        conn_health_checks=True,
    )
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, with bulk writes kept within PostgreSQL's parameter limit.
        config["ENGINE"] = "prm.db.postgresql"
        config.setdefault("OPTIONS", {}).update(
            {
                # No just-in-time compilation: the portal's queries are short, and compiling
                # one whose estimated cost passes PostgreSQL's threshold (a sorted list of a
                # large table) costs hundreds of milliseconds, more than the query itself.
                # Every execution of a prepared statement is planned for its own values: a
                # plan made once for any value (PostgreSQL's choice after five runs) cannot
                # use an index limited to some statuses, and the review queue sorted by first
                # registration went from 20 ms to 1.8 s on its eighth request.
                "options": "-c jit=off -c plan_cache_mode=force_custom_plan",
                # Parameters are sent apart from the SQL, so that a query a connection runs
                # again and again (a list page, the API key lookup) is prepared on its second
                # run and parsed once (psycopg keeps a connection's 100 most used).
                # DATABASE_PREPARED_STATEMENTS=off for a pooler in transaction mode that cannot
                # keep them.
                "server_side_binding": True,
                "prepare_threshold": 2 if env_bool("DATABASE_PREPARED_STATEMENTS", True) else None,
            }
        )
    return config


def with_replica(databases: dict) -> dict:
    """Add the optional read replica for reporting (``prm.db_routers``)."""
    url = env("DATABASE_REPLICA_URL")
    if url:
        databases["replica"] = database(url)
    return databases


DATABASES = with_replica(
    {"default": database(env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASE_ROUTERS = ["prm.db_routers.ReportingReplicaRouter"]

AUTH_USER_MODEL = "prm.User"
AUTHENTICATION_BACKENDS = [
    "prm.accounts.ModelBackend",
    "prm.accounts.AllauthBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: the email address is the identifier; there are no usernames.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_LOGOUT_ON_GET = False
# Partner users join through invitations, never through open sign-up.
ACCOUNT_ADAPTER = "prm.accounts.AccountAdapter"
# Sign-in throttling keys by client address. Behind N reverse proxies that each append to
# X-Forwarded-For, the client is the N-th address from the right; entries further left are
# written by the client and never trusted. 0 means: the socket's address (no proxy).
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("PRM_TRUSTED_PROXY_COUNT", "0"))

# Multi-factor authentication: an authenticator app (TOTP) with recovery codes. Internal
# staff must enrol before they reach any page; partner users may, or must when their partner
# admin requires it (``prm.middleware.MfaRequiredMiddleware``).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Partner Portal"
MFA_ADAPTER = "prm.accounts.MfaAdapter"
# allauth refuses enrolment while an address is unverified, against someone signing up with
# another person's email. There is no open sign-up here (staff are created by ops, partner
# users by invitation to their address), and staff must enrol to work at all.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Off only in the test settings, for tests that are not about MFA (tested to be on elsewhere).
PRM_ENFORCE_MFA = True

# Content-Security-Policy (django-csp): only this origin's scripts and styles, no inline script.
# A printable page may carry a <style nonce="{{ request.csp_nonce }}"> (the nonce appears in the
# header only on pages that use it). The QR code shown while enrolling an authenticator is an
# inline ``data:`` image.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Permissions-Policy (django-permissions-policy): the portal needs none of these features.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
# MDF proof files: outside MEDIA_ROOT, read only through the scoped download. Empty: a
# "private-media" folder beside MEDIA_ROOT.
PRM_PRIVATE_MEDIA_ROOT = env("PRM_PRIVATE_MEDIA_ROOT", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Partner Portal <partners@example.com>")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds; a mail server that hangs must fail the attempt (and be retried), not hold a worker.
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "30"))

REDIS_URL = env("REDIS_URL")
# Redis down must not take pages down: the cache degrades to misses (``prm.cache``), and a
# Redis that hangs fails an operation within a second instead of holding the request.
REDIS_CACHE = {
    "BACKEND": "prm.cache.ResilientRedisCache",
    "LOCATION": REDIS_URL,
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
}
if REDIS_URL:
    CACHES = {"default": REDIS_CACHE}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: JSON only, bounded run time, tasks sent after the surrounding transaction commits.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# acks_late is set per task, only on tasks that are safe to run twice. Such a task whose
# worker process dies (killed, out of memory) goes back to the queue and runs again, rather
# than being recorded as failed and lost; a worker killed outright leaves its message
# unacknowledged, and the broker hands it out again after the visibility timeout.
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Longer than any job runs: a message still unacknowledged after this is given to another
# worker.
CELERY_VISIBILITY_TIMEOUT = int(env("PRM_CELERY_VISIBILITY_TIMEOUT", str(60 * 60)))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for such messages (seconds between scans).
    "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT // 2)),
    "unacked_restore_throttle": 1,
}
# Queuing a task while Redis is down fails within about a second instead of holding the request;
# the work itself is a database row that a scheduled job queues again (see prm.notifications).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Jobs record their outcome in their own rows (runs, imports, deliveries); nothing reads task
# results, and subscribing to one would be one more Redis round trip (and failure) per task sent.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Queues by kind of work, so that a long job never delays an email or a webhook (``jobs``).
CELERY_TASK_DEFAULT_QUEUE = jobs.DEFAULT_QUEUE
CELERY_TASK_QUEUES = jobs.QUEUES
CELERY_TASK_ROUTES = jobs.ROUTES

# The list pages' filters: an unset choice reads "Any", not Django's "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("Any")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "prm.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "prm.api.permissions.HasApiScope",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "prm.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "prm.api.sync.SyncPagination",
    "DEFAULT_THROTTLE_CLASSES": ["prm.api.throttles.ApiKeyRateThrottle"],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "prm.api.filters.QueryFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "prm.api.filters.WordSearchFilter",
        "prm.api.sync.UpdatedSinceFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "prm.api.schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "prm.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partner Portal API",
    "DESCRIPTION": "Partners, tiers, deals, leads, enablement and more. Authenticate with the "
    "portal session or an API key: `Authorization: Api-Key <key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Program settings that are not stored in the database.
PRM_FISCAL_YEAR_START_MONTH = int(env("PRM_FISCAL_YEAR_START_MONTH", "1"))
# The periodic jobs (``jobs.beat_schedule``): the schedule lives in code; django-celery-beat
# copies it into the database at start-up, where ops can pause or re-time an entry in the admin.
CELERY_BEAT_SCHEDULE = jobs.beat_schedule(PRM_FISCAL_YEAR_START_MONTH)
PRM_DEFAULT_CURRENCY = env("PRM_DEFAULT_CURRENCY", "USD")
# API requests per minute for a key without its own limit (``ApiKey.rate_limit``).
PRM_API_RATE_LIMIT = int(env("PRM_API_RATE_LIMIT", "600"))
# How long a process reuses PostgreSQL's estimate of a table's size ("about N" on whole-table
# lists; prm.paging), in seconds.
PRM_TABLE_ESTIMATE_MAX_AGE = 60
PRM_SITE_URL = env("PRM_SITE_URL", "http://127.0.0.1:8000")
PRM_INVITATION_DAYS = int(env("PRM_INVITATION_DAYS", "14"))
# Days a commission line is held after its deal closes, to cover refunds, before it is payable.
PRM_COMMISSION_HOLD_DAYS = int(env("PRM_COMMISSION_HOLD_DAYS", "30"))
# Database connections a job may use at once for its independent chunks (the commission
# calculation, the MDF accrual): about the number of cores the database server can give one job.
PRM_JOB_CONNECTIONS = int(env("PRM_JOB_CONNECTIONS", "2"))
# Webhook deliveries to private, loopback and link-local addresses: allowed off production only.
PRM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("PRM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", True)
# Failed attempts in a row after which an endpoint is paused and its owner notified.
PRM_WEBHOOK_PAUSE_AFTER_FAILURES = int(env("PRM_WEBHOOK_PAUSE_AFTER_FAILURES", "15"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
