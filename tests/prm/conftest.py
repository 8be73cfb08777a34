"""Fixtures of the kernel tests."""

from .mailserver import mail_outage  # noqa: F401
