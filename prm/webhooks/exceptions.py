from prm.exceptions import DomainError


class WebhookError(DomainError):
    """The webhook request is not valid."""

    code = "webhook_error"


class UnsafeWebhookUrl(WebhookError):
    """Webhooks cannot be sent to this URL."""

    code = "unsafe_webhook_url"


class UnknownEventType(WebhookError):
    """One of the event types is unknown or not open to this endpoint."""

    code = "unknown_event_type"
