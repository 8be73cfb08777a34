"""MDF errors. Each has a stable ``code``; the API maps ``status_code``, the portal shows
``message``."""

from prm.exceptions import DomainError, InvalidTransition, PermissionDenied

__all__ = [
    "ClaimError",
    "InsufficientFunds",
    "InvalidMdfData",
    "InvalidTransition",
    "MdfError",
    "MdfNotAllowed",
    "NotEligible",
    "PaymentError",
    "ProofRejected",
]


class MdfError(DomainError):
    """The MDF request was refused."""

    code = "mdf_error"


class MdfNotAllowed(MdfError, PermissionDenied):
    """You are not allowed to do this with these funds."""

    code = "mdf_not_allowed"
    status_code = 403


class InvalidMdfData(MdfError):
    """Some values are not acceptable; ``details`` maps fields to messages."""

    code = "invalid_mdf_data"


class NotEligible(MdfError):
    """The partner cannot request funds now; the message says why."""

    code = "mdf_not_eligible"
    status_code = 409


class InsufficientFunds(MdfError):
    """Not enough funds are available for this."""

    code = "insufficient_funds"
    status_code = 409


class ClaimError(MdfError):
    """The claim was refused."""

    code = "claim_error"


class ProofRejected(ClaimError):
    """The proof file was refused."""

    code = "proof_rejected"


class PaymentError(MdfError):
    """The payment was refused."""

    code = "payment_error"
