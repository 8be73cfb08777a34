"""Commission errors, each with a stable ``code`` (the API maps ``status_code``)."""

from prm.exceptions import DomainError, PermissionDenied


class CommissionError(DomainError):
    """The commission request was refused."""

    code = "commission_error"


class CommissionNotAllowed(CommissionError, PermissionDenied):
    """You are not allowed to do this with commissions."""

    code = "commission_not_allowed"


class BelowFloor(CommissionError):
    """The rate or fee is below the rule's floor."""

    code = "below_floor"


class InvalidPeriod(CommissionError):
    """The period cannot be calculated."""

    code = "invalid_period"


class PayoutMismatch(CommissionError):
    """The payout does not match what is payable."""

    code = "payout_mismatch"
    status_code = 409
