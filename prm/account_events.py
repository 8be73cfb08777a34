"""Audit rows for signing in and for MFA changes, from django-allauth's and Django's signals.

Passwords never reach the trail: Django cleanses the credentials of a failed sign-in, and only
the email that was tried and the client address are kept.
"""

from allauth.account.adapter import get_adapter
from allauth.account.signals import user_logged_in
from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver

from .audit import record_account_event
from .models import User


def _client(request) -> dict:
    if request is None:
        return {}
    try:
        return {"client_ip": get_adapter().get_client_ip(request)}
    except PermissionDenied:
        return {}


@receiver(user_logged_in, dispatch_uid="prm.audit.signed_in")
def _signed_in(sender, request, user, **kwargs):
    record_account_event(user=user, verb="account.signed_in", data=_client(request))


@receiver(user_login_failed, dispatch_uid="prm.audit.sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    email = str(credentials.get("email") or credentials.get("username") or "")[:254].lower()
    user = User.objects.filter(email__iexact=email).first() if email else None
    record_account_event(
        user=user,
        verb="account.sign_in_failed",
        email=email,
        data={"email": email, **_client(request)},
    )


def _authenticator_event(verb: str):
    def handler(sender, request, user, authenticator, **kwargs):
        record_account_event(
            user=user, verb=verb, data={"type": authenticator.type, **_client(request)}
        )

    return handler


_MFA_EVENTS = {
    mfa_signals.authenticator_added: "mfa.authenticator_added",
    mfa_signals.authenticator_removed: "mfa.authenticator_removed",
    mfa_signals.authenticator_reset: "mfa.recovery_codes_regenerated",
    mfa_signals.authentication_failed: "mfa.code_rejected",
}
# Kept referenced: signals hold their receivers weakly.
_HANDLERS = []
for _signal, _verb in _MFA_EVENTS.items():
    _handler = _authenticator_event(_verb)
    _HANDLERS.append(_handler)
    _signal.connect(_handler, dispatch_uid=f"prm.audit.{_verb}")
