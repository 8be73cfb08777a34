"""Signatures: HMAC-SHA256 over "timestamp.body", checked in constant time, two during a
rotation."""

import datetime as dt
import hashlib
import hmac

import time_machine

from prm.webhooks import services, signing
from prm.webhooks.delivery import body_of, signed_headers
from prm.webhooks.models import WebhookDelivery

BODY = b'{"id":"e1","type":"deal.approved"}'


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    expected = hmac.new(b"whsec_k", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signing.compute_signature("whsec_k", 1700000000, BODY) == expected
    assert signing.signature_header(["whsec_k"], 1700000000, BODY) == f"v1={expected}"


def test_verification_accepts_the_right_secret_only():
    header = signing.signature_header(["whsec_k"], 1700000000, BODY)
    ok = {"body": BODY, "timestamp": "1700000000", "signature_header": header, "now": 1700000010}
    assert signing.verify_signature(secret="whsec_k", **ok)
    assert not signing.verify_signature(secret="whsec_other", **ok)
    assert not signing.verify_signature(secret="whsec_k", **{**ok, "body": BODY + b" "})
    assert not signing.verify_signature(secret="whsec_k", **{**ok, "timestamp": "1700000001"})
    assert not signing.verify_signature(secret="whsec_k", **{**ok, "timestamp": "soon"})


def test_an_old_timestamp_is_refused():
    header = signing.signature_header(["whsec_k"], 1700000000, BODY)
    assert not signing.verify_signature(
        secret="whsec_k", body=BODY, timestamp="1700000000", signature_header=header,
        now=1700000000 + signing.DEFAULT_TOLERANCE_SECONDS + 1,
    )  # fmt: skip


def test_the_secret_is_new_per_endpoint(endpoint_for, ops):
    first = endpoint_for("https://hooks.example/a", ["deal.won"])
    second = endpoint_for("https://hooks.example/b", ["deal.won"])
    assert first.secret.startswith("whsec_") and len(first.secret) > 40
    assert first.secret != second.secret


def test_during_a_rotation_both_secrets_sign_until_the_overlap_ends(endpoint_for, ops):
    endpoint = endpoint_for("https://hooks.example/a", ["deal.won"])
    old = endpoint.secret
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        rotated = services.rotate_secret(
            endpoint=endpoint, actor=ops, overlap=dt.timedelta(hours=2)
        )
    assert rotated.secret != old
    delivery = WebhookDelivery(endpoint=rotated, event_type="deal.won", payload={"a": 1})
    body = body_of(delivery)

    during = dt.datetime(2026, 3, 1, 13, tzinfo=dt.UTC)
    headers = signed_headers(rotated, delivery, body, during)
    header = headers[signing.SIGNATURE_HEADER]
    assert header.count("v1=") == 2
    for secret in (old, rotated.secret):
        assert signing.verify_signature(
            secret=secret, body=body, timestamp=headers[signing.TIMESTAMP_HEADER],
            signature_header=header, now=during.timestamp(),
        )  # fmt: skip

    after = dt.datetime(2026, 3, 1, 14, 1, tzinfo=dt.UTC)
    headers = signed_headers(rotated, delivery, body, after)
    assert headers[signing.SIGNATURE_HEADER].count("v1=") == 1
    assert not signing.verify_signature(
        secret=old, body=body, timestamp=headers[signing.TIMESTAMP_HEADER],
        signature_header=headers[signing.SIGNATURE_HEADER], now=after.timestamp(),
    )  # fmt: skip
