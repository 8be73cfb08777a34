"""Domain errors of certifications and tier evidence."""

from prm.exceptions import Conflict, DomainError


class EnablementError(DomainError):
    """The enablement request was refused."""

    code = "enablement_error"


class NotAPartnerMember(EnablementError):
    """The person is not a member of this partner."""

    code = "not_a_partner_member"


class InvalidCompletion(EnablementError):
    """The completion cannot be recorded."""

    code = "invalid_completion"


class ExternalIdConflict(Conflict):
    """This external id was already used for a different completion."""

    code = "external_id_conflict"


class ImportFileError(EnablementError):
    """The import file cannot be read."""

    code = "import_file_error"
