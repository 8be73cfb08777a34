"""Signed webhooks: endpoints, one registry of event types, deliveries with retries.

Services that change state call ``publish(event_type, obj, partner=...)`` inside their
transaction; see ``prm.webhooks.publishing``.
"""


def publish(event_type: str, obj, *, partner=None):
    # Imported here: the services that call this load before the app registry is ready.
    from .publishing import publish_event

    return publish_event(event_type, obj, partner=partner)


def publish_many(event_type: str, objs, *, partner_of):
    """``publish`` for many objects at once (bulk writes): one endpoint lookup in all."""
    from .publishing import publish_events

    return publish_events(event_type, objs, partner_of=partner_of)
