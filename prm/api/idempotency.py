"""``Idempotency-Key`` on creating requests: the same key and body replays the first answer; the
same key with another body is a 409. Keys are per principal and endpoint."""

import hashlib
import json

from django.db import IntegrityError, transaction
from rest_framework.response import Response

from prm.exceptions import Conflict
from prm.models import IdempotencyRecord

HEADER = "Idempotency-Key"


def _fingerprint(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


class IdempotentCreateMixin:
    """Mix into a DRF view before the generic view; wraps ``create``."""

    def create(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        # Keys are remembered per principal; an anonymous caller (a public form) has none.
        if not key or not request.user.is_authenticated:
            return super().create(request, *args, **kwargs)
        if len(key) > 200:
            raise Conflict("Idempotency-Key is longer than 200 characters.", code="invalid_key")
        endpoint = request.path
        fingerprint = _fingerprint(request.data)
        previous = IdempotencyRecord.objects.filter(
            principal=request.user, endpoint=endpoint, key=key
        ).first()
        if previous is not None:
            return self._replay(previous, fingerprint)
        with transaction.atomic():
            response = super().create(request, *args, **kwargs)
            try:
                with transaction.atomic():
                    IdempotencyRecord.objects.create(
                        principal=request.user,
                        endpoint=endpoint,
                        key=key,
                        request_hash=fingerprint,
                        response_status=response.status_code,
                        response_body=response.data,
                    )
            except IntegrityError:
                # A concurrent request with the same key won the race: undo ours, replay theirs.
                transaction.set_rollback(True)
                previous = IdempotencyRecord.objects.get(
                    principal=request.user, endpoint=endpoint, key=key
                )
        if previous is not None:
            return self._replay(previous, fingerprint)
        return response

    @staticmethod
    def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
        if record.request_hash != fingerprint:
            raise Conflict(
                "This Idempotency-Key was already used with a different request body.",
                code="idempotency_key_reused",
            )
        response = Response(record.response_body, status=record.response_status)
        response["Idempotent-Replayed"] = "true"
        return response
