"""The code an authenticator app shows (RFC 6238), for the simulated staff's second factor.

Its own module so the test suite can check it against allauth without importing Locust."""

import base64
import hashlib
import hmac
import struct
import time


def totp(secret: str, at: float | None = None, period: int = 30, digits: int = 6) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = struct.pack(">Q", int((time.time() if at is None else at) // period))
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"
