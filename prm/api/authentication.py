import copy
import hmac
import time

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from prm.audit import record_event
from prm.models import ApiKey, hash_api_secret

# Writing last_used_at on every call would turn reads into writes; once a minute is enough.
LAST_USED_RESOLUTION_SECONDS = 60
# A key (with its account) read from the database is used again by the same process for this
# long, rather than read on every request. A change saved to a key or to an account (revoking,
# rotating out, a new limit, disabling the account) applies at once in the process that saved
# it and within this bound in every other one.
KEY_REUSE_SECONDS = 2.0
# prefix -> (time read, the key with its principal); only keys that exist.
_recent_keys: dict[str, tuple[float, ApiKey]] = {}


def forget_recent_keys(**kwargs) -> None:
    """Drop every key read recently (a key or an account was saved: connected in ``prm.apps``)."""
    _recent_keys.clear()


def _key_with_prefix(prefix: str) -> ApiKey | None:
    now = time.monotonic()
    recent = _recent_keys.get(prefix)
    if recent is not None and now - recent[0] < KEY_REUSE_SECONDS:
        return recent[1]
    key = ApiKey.objects.select_related("principal").filter(prefix=prefix).first()
    if key is not None:
        _recent_keys[prefix] = (now, key)
    return key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Api-Key prm_<prefix>.<secret>``; the request acts as the key's principal."""

    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header.startswith(self.keyword + " "):
            return None
        raw = header[len(self.keyword) + 1 :].strip()
        prefix, _sep, secret = raw.removeprefix("prm_").partition(".")
        if not prefix or not secret:
            raise exceptions.AuthenticationFailed(_("Malformed API key."))
        # The prefix is unique: one row by its index (or as read moments ago), its state checked
        # here on every request.
        key = _key_with_prefix(prefix)
        # Constant-time comparison: the time taken must not tell how much of the hash matched.
        if key is None or not hmac.compare_digest(key.hashed_secret, hash_api_secret(secret)):
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API key."))
        # A rotated key keeps working until the end of its overlap (``expires_at``).
        if key.revoked_at is not None or (
            key.expires_at is not None and key.expires_at <= timezone.now()
        ):
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API key."))
        if not key.principal.is_active:
            raise exceptions.AuthenticationFailed(_("The key's account is disabled."))
        _note_use(key)
        # The request gets its own copies: views and selectors may keep per-request state on
        # them, which must not reach the next request using the key.
        principal = copy.copy(key.principal)
        key = copy.copy(key)
        key.principal = principal
        return principal, key

    def authenticate_header(self, request):
        return self.keyword


def _note_use(key: ApiKey) -> None:
    """Keep ``last_used_at`` (to the minute) and one audit row per key per day of use.

    The key was just read, so its ``last_used_at`` tells what is due: a use within the last
    minute of the same day writes nothing, so most requests stay pure reads. The first use of
    a day wins a conditional update, so concurrent first calls write one audit row.
    """
    now = timezone.now()
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    last_used = key.last_used_at
    if last_used is not None and last_used >= start_of_day:
        if (now - last_used).total_seconds() > LAST_USED_RESOLUTION_SECONDS:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now  # the key may be used again as read: not written again
        return
    first_today = (
        ApiKey.objects.filter(pk=key.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=start_of_day))
        .update(last_used_at=now)
    )
    key.last_used_at = now
    if not first_today:
        return  # a concurrent first call of the day won: it wrote the time and the audit row
    record_event(
        key,
        actor=key.principal,
        verb="api_key.used",
        data={"day": now.date().isoformat(), "prefix": key.prefix},
    )
