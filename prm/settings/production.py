"""Production: no defaults for secrets, hosts or services; the process refuses to start without
them rather than fall back to SQLite, in-process tasks or localhost links."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from .base import *  # noqa: F403
from .base import REDIS_CACHE, STATIC_ROOT, database, env, env_bool, env_list, with_replica


def required(name: str) -> str:
    value = env(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production.")
    return value


SECRET_KEY = required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS") or [required("DJANGO_ALLOWED_HOSTS")]
DEBUG = False

DATABASES = with_replica({"default": database(required("DATABASE_URL"))})

REDIS_URL = required("REDIS_URL")
CACHES = {"default": {**REDIS_CACHE, "LOCATION": REDIS_URL}}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False

PRM_SITE_URL = required("PRM_SITE_URL").rstrip("/")
PRM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("PRM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Source maps (the API docs' bundles ship 12 MB of them) are read only by browsers' developer
# tools: served as they are, not compressed at build time, where they took most of
# collectstatic's minutes.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
# Where ``collectstatic`` writes (and WhiteNoise serves from); the image collects at build time.
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(STATIC_ROOT)))
