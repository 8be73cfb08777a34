"""Signatures on webhook deliveries.

Each request carries::

    PRM-Webhook-Id:         the event id (a UUID; repeated when a delivery is replayed)
    PRM-Webhook-Event:      the event type, e.g. deal.approved
    PRM-Webhook-Timestamp:  Unix time in seconds when this attempt was signed
    PRM-Webhook-Signature:  v1=<hex>[, v1=<hex>]

``v1`` is HMAC-SHA256, keyed with the endpoint's secret, over ``"<timestamp>.<raw body>"``.
During a secret rotation the header carries one signature per live secret (new first), so a
receiver holding either secret accepts the request.
"""

import hashlib
import hmac
import time

ID_HEADER = "PRM-Webhook-Id"
EVENT_HEADER = "PRM-Webhook-Event"
TIMESTAMP_HEADER = "PRM-Webhook-Timestamp"
SIGNATURE_HEADER = "PRM-Webhook-Signature"
SCHEME = "v1"
# Receivers should refuse requests signed longer ago than this (replayed captures).
DEFAULT_TOLERANCE_SECONDS = 5 * 60


def compute_signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets: list[str], timestamp: int, body: bytes) -> str:
    return ", ".join(f"{SCHEME}={compute_signature(s, timestamp, body)}" for s in secrets)


def verify_signature(
    *,
    secret: str,
    body: bytes,
    timestamp: str,
    signature_header: str,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when one ``v1`` signature in the header matches ``secret`` and the timestamp is
    within ``tolerance`` seconds of now. Compares in constant time."""
    try:
        signed_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - signed_at) > tolerance:
        return False
    expected = compute_signature(secret, signed_at, body)
    found = False
    for part in signature_header.split(","):
        scheme, _sep, value = part.strip().partition("=")
        if scheme == SCHEME and hmac.compare_digest(value.encode(), expected.encode()):
            found = True
    return found
