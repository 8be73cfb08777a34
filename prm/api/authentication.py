import hmac

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from prm.models import ApiKey, hash_api_secret

# Writing last_used_at on every call would turn reads into writes; once a minute is enough.
LAST_USED_RESOLUTION_SECONDS = 60


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
        key = (
            ApiKey.objects.select_related("principal")
            .filter(prefix=prefix, revoked_at__isnull=True)
            .first()
        )
        # Constant-time comparison: the time taken must not tell how much of the hash matched.
        if key is None or not hmac.compare_digest(key.hashed_secret, hash_api_secret(secret)):
            raise exceptions.AuthenticationFailed(_("Unknown or revoked API key."))
        if not key.principal.is_active:
            raise exceptions.AuthenticationFailed(_("The key's account is disabled."))
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > (
            LAST_USED_RESOLUTION_SECONDS
        ):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return key.principal, key

    def authenticate_header(self, request):
        return self.keyword
