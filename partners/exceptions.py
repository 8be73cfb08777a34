from prm.exceptions import DomainError


class PartnerError(DomainError):
    """The partner request was refused."""

    code = "partner_error"


class KeyNotRotatable(PartnerError):
    """Only a live key that has not been rotated yet can be rotated."""

    code = "not_rotatable"
    status_code = 409
