"""Domain errors shared by every app. The API maps them to 400/409, the portal to form errors."""

from django.utils.translation import gettext as _


class DomainError(Exception):
    """A business rule refused the request. ``code`` is stable and machine-readable."""

    code = "domain_error"
    status_code = 400

    def __init__(self, message: str = "", *, code: str | None = None, details=None):
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        if code:
            self.code = code
        self.details = details or {}


class InvalidTransition(DomainError):
    """This status change is not allowed."""

    code = "invalid_transition"
    status_code = 409

    def __init__(self, model_label: str, current: str, target: str):
        super().__init__(
            _("%(model)s cannot move from %(current)s → %(target)s.")
            % {"model": model_label, "current": current, "target": target},
            details={"from": current, "to": target},
        )
        self.current = current
        self.target = target


class PermissionDenied(DomainError):
    """You are not allowed to do this."""

    code = "permission_denied"
    status_code = 403


class Conflict(DomainError):
    """The request conflicts with the current state."""

    code = "conflict"
    status_code = 409


class PreconditionFailed(DomainError):
    """The record changed since you read it: read it again and reapply your change."""

    code = "precondition_failed"
    status_code = 412
