"""Signing in: the allauth adapters, the authentication backends and who must use MFA."""

from typing import TYPE_CHECKING

from allauth.account import auth_backends as allauth_backends
from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.utils import is_mfa_enabled
from django.apps import apps
from django.conf import settings
from django.contrib.auth import backends as auth_backends


class AccountAdapter(DefaultAccountAdapter):
    """Partner users join by invitation and staff are created by ops: no open sign-up."""

    def is_open_for_signup(self, request):
        return False

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth limits failed sign-ins per IP and per account. Per account alone, anyone
        # could lock a colleague out by typing wrong passwords for their email; keyed by
        # account and client, failures count against the one client that made them.
        key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{key}:{self.get_client_ip(request)}"


class MfaAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator) -> bool:
        """Whoever must use MFA keeps at least an authenticator app."""
        return not mfa_required_for(authenticator.user)


def mfa_required_for(user) -> bool:
    """Internal staff always; other users when an app says so (``requires_mfa(user)`` on its
    app config, as partners do for organisations whose admin requires MFA)."""
    if not getattr(user, "is_authenticated", False) or user.is_service_account:
        return False
    if user.is_internal or user.is_staff or user.is_superuser:
        return True
    checks = (getattr(config, "requires_mfa", None) for config in apps.get_app_configs())
    return any(check(user) for check in checks if callable(check))


def must_enrol_mfa(user) -> bool:
    """True while a user who must use MFA has no authenticator yet."""
    return settings.PRM_ENFORCE_MFA and mfa_required_for(user) and not is_mfa_enabled(user)


# The mixin goes before a Django authentication backend; typed as one so ``super()`` is known.
if TYPE_CHECKING:
    _Backend = auth_backends.ModelBackend
else:
    _Backend = object


class _NoServiceAccounts(_Backend):
    """API keys act through service accounts; those never sign in to the portal, even if
    someone gives one a password in the admin."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not getattr(
            user, "is_service_account", False
        )


class ModelBackend(_NoServiceAccounts, auth_backends.ModelBackend):
    pass


class AllauthBackend(_NoServiceAccounts, allauth_backends.AuthenticationBackend):
    pass
