"""Deal registration errors. Each has a stable ``code``; the API maps ``status_code``, the portal
shows ``message``."""

from prm.exceptions import DomainError, InvalidTransition, PermissionDenied

__all__ = [
    "AccountAlreadyProtected",
    "DealError",
    "DealNotAllowed",
    "DuplicateRegistration",
    "ExtensionNotAllowed",
    "InvalidDealData",
    "InvalidTransition",
    "NotEditable",
    "PartnerCannotRegister",
    "ResubmissionLimitReached",
    "UnresolvedConflicts",
]


class DealError(DomainError):
    """The deal registration request was refused."""

    code = "deal_error"


class DealNotAllowed(DealError, PermissionDenied):
    """You are not allowed to do this with this registration."""

    code = "deal_not_allowed"
    status_code = 403


class InvalidDealData(DealError):
    """Some fields are missing or invalid. ``details`` maps each field to its message."""

    code = "invalid_deal_data"
    status_code = 400


class PartnerCannotRegister(DealError):
    """Only active partners can register deals."""

    code = "partner_not_active"
    status_code = 409


class DuplicateRegistration(DealError):
    """This partner already registered a deal with the same CRM reference."""

    code = "duplicate_registration"
    status_code = 409


class NotEditable(DealError):
    """Only drafts and registrations waiting for more information can be edited."""

    code = "not_editable"
    status_code = 409


class ResubmissionLimitReached(DealError):
    """This registration has been resubmitted as often as the program allows."""

    code = "resubmission_limit"
    status_code = 409


class UnresolvedConflicts(DealError):
    """Resolve the open conflicts of this registration before approving it."""

    code = "unresolved_conflicts"
    status_code = 409


class AccountAlreadyProtected(DealError):
    """An earlier registration holds protection on this account and the conflict was resolved
    in its favour."""

    code = "account_already_protected"
    status_code = 409


class ExtensionNotAllowed(DealError):
    """The program's extension policy does not allow this extension request."""

    code = "extension_not_allowed"
    status_code = 409
