from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ApplicationSubmitThrottle(SimpleRateThrottle):
    """Anyone may apply without an account, so submissions are rate-limited per caller: per
    account when signed in or using a key, otherwise per client address."""

    scope = "partner_applications"

    def get_rate(self):
        return getattr(settings, "PRM_APPLICATION_RATE", "10/hour")

    def get_cache_key(self, request, view):
        user = request.user
        ident = f"user-{user.pk}" if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
