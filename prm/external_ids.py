"""External ids: the id a syncing CRM gives a record (partners, deal registrations, leads; the
vendor's accounts and opportunities use their ``crm_id``). Unique per record type where set;
stored as NULL when unset, never as an empty string, so that many records may have none."""

from django.utils.translation import gettext as _

from prm.exceptions import Conflict, DomainError

MAX_LENGTH = 100


class InvalidExternalId(DomainError):
    """The external id is not valid."""

    code = "invalid_external_id"
    status_code = 400


class ExternalIdTaken(Conflict):
    """Another record already has this external id."""

    code = "external_id_taken"


def clean_external_id(value) -> str:
    text = str(value if value is not None else "").strip()
    if (
        not text
        or len(text) > MAX_LENGTH
        or any(ch in text for ch in "/\\")
        or not text.isprintable()
    ):
        raise InvalidExternalId(
            _("An external id is 1 to %(max)s printable characters without slashes.")
            % {"max": MAX_LENGTH},
            details={"external_id": [_("Not a valid external id.")]},
        )
    return text
