"""The embedded default for a first look and for development: debug on, emails to the console."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)

if DEBUG:
    # A first look on the embedded default: the demo staff accounts have an authenticator app
    # enrolled (README, demo accounts); this code is also accepted. allauth itself refuses it
    # when DEBUG is off.
    MFA_TOTP_INSECURE_BYPASS_CODE = "000000"
