"""Computing TOTP codes and enrolling people, for the MFA tests."""

import time

from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = SECRET, *, step: int = 0) -> str:
    """The code an authenticator app shows now (``step`` periods later)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))


def enrol(user, secret: str = SECRET) -> list[str]:
    """Give ``user`` an authenticator app and recovery codes; returns the recovery codes."""
    TOTP.activate(user, secret)
    return RecoveryCodes.activate(user).get_unused_codes()


def sign_in(client, user, password):
    return client.post("/accounts/login/", {"login": user.email, "password": password})
