from allauth.account import auth_backends as allauth_backends
from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth import backends as auth_backends


class AccountAdapter(DefaultAccountAdapter):
    """Partner users join by invitation and staff are created by ops: no open sign-up."""

    def is_open_for_signup(self, request):
        return False


class _NoServiceAccounts:
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
