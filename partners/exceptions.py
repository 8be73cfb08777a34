from prm.exceptions import DomainError


class PartnerError(DomainError):
    """The partner request was refused."""

    code = "partner_error"
