"""Outgoing HTTP for deliveries: http(s) only, short timeouts, no redirects, and (unless
``PRM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES``) no private, loopback or link-local addresses, so an
endpoint cannot be used to reach the vendor's internal network."""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from .exceptions import UnsafeWebhookUrl

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 10
RESPONSE_LIMIT = 2000  # characters of the response kept on the attempt


@dataclass
class Response:
    status_code: int | None
    body: str
    duration_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def check_url(url: str, *, resolve: bool = False) -> None:
    """Refuse a URL deliveries must not go to. ``resolve`` also checks the addresses the host
    name resolves to (at send time)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeWebhookUrl(_("Webhook URLs must start with http:// or https://."))
    if settings.PRM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    addresses = [parts.hostname]
    if resolve:
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
        except OSError as exc:
            raise UnsafeWebhookUrl(_("The host name does not resolve.")) from exc
        addresses = [str(info[4][0]) for info in infos]
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            if address.lower() == "localhost" or address.lower().endswith(".localhost"):
                raise UnsafeWebhookUrl(_("Webhooks cannot be sent to this host.")) from None
            continue
        if not ip.is_global:
            raise UnsafeWebhookUrl(_("Webhooks cannot be sent to private or local addresses."))


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Response:
    """POST once and report what happened; never raises for network errors."""
    started = time.monotonic()
    try:
        check_url(url, resolve=True)
        with requests.post(
            url,
            data=body,
            headers=headers,
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            allow_redirects=False,
            stream=True,
        ) as answer:
            raw = answer.raw.read(RESPONSE_LIMIT * 4, decode_content=True) or b""
            text = raw.decode(answer.encoding or "utf-8", errors="replace")[:RESPONSE_LIMIT]
            return Response(answer.status_code, text, _elapsed(started))
    except UnsafeWebhookUrl as exc:
        return Response(None, "", _elapsed(started), error=exc.message)
    except requests.RequestException as exc:
        return Response(None, "", _elapsed(started), error=f"{type(exc).__name__}: {exc}"[:500])


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
