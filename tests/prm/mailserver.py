"""A mail server that fails on purpose: for some addresses, or for the next few sends."""

import smtplib

import pytest
from django.core.mail.backends.locmem import EmailBackend


class MailOutage:
    def __init__(self):
        self.down_for: set[str] = set()
        self.failures_left = 0
        self.attempts = 0

    def send_messages(self, backend, messages):
        self.attempts += 1
        for message in messages:
            if self.failures_left > 0:
                self.failures_left -= 1
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            if self.down_for & set(message.to):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (451, b"Try again later")})
        return ORIGINAL_SEND(backend, messages)


ORIGINAL_SEND = EmailBackend.send_messages


def install(monkeypatch) -> MailOutage:
    """Route the test mail backend through a ``MailOutage`` for the rest of the test."""
    outage = MailOutage()
    monkeypatch.setattr(
        EmailBackend,
        "send_messages",
        lambda backend, messages: outage.send_messages(backend, messages),
    )
    return outage


@pytest.fixture
def mail_outage(monkeypatch):
    return install(monkeypatch)
