"""``Idempotency-Key`` on creating requests: the same key and body replays the first answer; the
same key with another body is a 409. Keys are per principal and endpoint.

A key is claimed before the work starts, in its own committed row ("in flight"), so concurrent
requests with one key never race each other inside the work's transaction: the first request
claims the key, does the work and stores its answer on the claimed row in the same transaction as
the work; the others find the row and replay the stored answer, or, while it is still in flight,
wait briefly and then answer 409 with ``Retry-After``. A request that fails releases its claim so
that the client can retry with the same key.
"""

import hashlib
import json
import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.response import Response

from prm.exceptions import Conflict
from prm.models import IdempotencyRecord

from .errors import error_body

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
# How long a request waits for an in-flight twin before answering 409, and how often it looks.
IN_FLIGHT_WAIT_SECONDS = 2.0
IN_FLIGHT_POLL_SECONDS = 0.05
# A claim this old without an answer belongs to a request whose process died; it is taken over.
ABANDONED_AFTER = timedelta(minutes=2)
RETRY_AFTER_SECONDS = 1


def _fingerprint(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _claim(*, principal, endpoint: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """Claim the key in a committed row; ``None`` when another request holds or answered it."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                principal=principal, endpoint=endpoint, key=key, request_hash=fingerprint
            )
    except IntegrityError:
        return None


def _release_if_abandoned(record: IdempotencyRecord) -> None:
    if record.completed_at is None and record.created_at < timezone.now() - ABANDONED_AFTER:
        IdempotencyRecord.objects.filter(pk=record.pk, completed_at__isnull=True).delete()


def _in_flight_response() -> Response:
    response = Response(
        error_body(
            "idempotency_key_in_flight",
            "A request with this Idempotency-Key is still being processed; retry shortly.",
        ),
        status=status.HTTP_409_CONFLICT,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used with a different request body.",
            code="idempotency_key_reused",
        )
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotentCreateMixin:
    # Mix into a DRF view before the generic view; wraps ``create``. (A comment, not a
    # docstring: the schema would show a mixin's docstring as the view's description.)

    def create(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        # Keys are remembered per principal; an anonymous caller (a public form) has none.
        if not key or not request.user.is_authenticated:
            return super().create(request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            raise Conflict(
                f"Idempotency-Key is longer than {MAX_KEY_LENGTH} characters.",
                code="invalid_key",
            )
        identity = {"principal": request.user, "endpoint": request.path, "key": key}
        fingerprint = _fingerprint(request.data)
        deadline = time.monotonic() + IN_FLIGHT_WAIT_SECONDS
        while True:
            claim = _claim(**identity, fingerprint=fingerprint)
            if claim is not None:
                return self._create_under_claim(claim, request, *args, **kwargs)
            record = IdempotencyRecord.objects.filter(**identity).first()
            if record is None and time.monotonic() < deadline:
                continue  # released by a failed request between our insert and our read
            if record is None:
                return _in_flight_response()
            if record.completed_at is not None:
                return _replay(record, fingerprint)
            if record.request_hash != fingerprint:
                return _replay(record, fingerprint)  # 409: another body under this key
            _release_if_abandoned(record)
            if time.monotonic() >= deadline:
                return _in_flight_response()
            time.sleep(IN_FLIGHT_POLL_SECONDS)

    def _create_under_claim(self, claim: IdempotencyRecord, request, *args, **kwargs):
        try:
            # The answer is stored in the work's transaction: either both are kept or neither.
            with transaction.atomic():
                response = super().create(request, *args, **kwargs)
                if status.is_success(response.status_code):
                    claim.response_status = response.status_code
                    claim.response_body = response.data
                    claim.completed_at = timezone.now()
                    claim.save(update_fields=["response_status", "response_body", "completed_at"])
        except BaseException:
            claim.delete()
            raise
        if not status.is_success(response.status_code):
            claim.delete()
        return response
