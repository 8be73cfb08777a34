"""``publish``: one Delivery row per matching endpoint, in the caller's transaction.

The rows are written inside the transaction that made the state change, and the sending
tasks are queued with ``transaction.on_commit``: a rolled-back change sends nothing, and a
committed one always has its deliveries on record, even if the broker is down (the
every-minute sweep picks up what was never queued).
"""

import json
import uuid
from collections.abc import Callable, Iterable

from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework.renderers import JSONRenderer

from .events import OBJECT_SERIALIZERS, get_event_type
from .models import WebhookDelivery
from .selectors import endpoints_for_event, receives


def publish_event(event_type: str, obj: models.Model, *, partner=None) -> list[WebhookDelivery]:
    return publish_events(event_type, [obj], partner_of=lambda _obj: partner)


def publish_events(
    event_type: str, objs: Iterable[models.Model], *, partner_of: Callable
) -> list[WebhookDelivery]:
    event = get_event_type(event_type)
    candidates = endpoints_for_event(event, None, any_partner=True)
    if not candidates:
        return []
    now = timezone.now()
    rows = []
    for obj in objs:
        partner_id = getattr(partner_of(obj), "pk", partner_of(obj))
        endpoints = [e for e in candidates if receives(e, event, partner_id)]
        if not endpoints:
            continue
        event_id = uuid.uuid4()
        payload = {
            "id": str(event_id),
            "type": event.name,
            "created_at": now.isoformat().replace("+00:00", "Z"),
            "partner_id": partner_id,
            "data": {"object_type": obj._meta.label_lower, "object": serialize(obj)},
        }
        rows += [
            WebhookDelivery(
                endpoint=endpoint,
                event_id=event_id,
                event_type=event.name,
                object_key=object_key(obj),
                payload=payload,
                created_at=now,
                next_attempt_at=now,
            )
            for endpoint in endpoints
        ]
    rows = WebhookDelivery.objects.bulk_create(rows, batch_size=500)
    queue_sending([row.pk for row in rows])
    return rows


def queue_sending(delivery_ids: list[int]) -> None:
    from .tasks import send_delivery

    def send():
        for pk in delivery_ids:
            send_delivery.delay(pk)

    # robust: the rows are committed and due now; if the broker is unreachable, the
    # ``send_due_deliveries`` beat job sends them once it answers. The request must not fail.
    transaction.on_commit(send, robust=True)


def object_key(obj: models.Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def serialize(obj: models.Model) -> dict:
    """The object as the API shows it (its output serializer, rendered by the API's JSON
    renderer so decimals and dates read the same)."""
    path = OBJECT_SERIALIZERS.get(obj._meta.label_lower)
    if path is None:
        return {"id": obj.pk, "display": str(obj)}
    data = import_string(path)(obj, context={"request": None}).data
    return json.loads(JSONRenderer().render(data))
