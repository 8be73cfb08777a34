"""Program-wide deal rules (protection, extensions, review SLA, lead acceptance): one row."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from prm.audit import record_change, snapshot
from prm.exceptions import DomainError
from prm.locks import lock
from prm.models import User
from prm.permissions import require_program_ops

from ..models import DealProgramSettings

EDITABLE_SETTINGS = frozenset(
    field.name
    for field in DealProgramSettings._meta.fields
    if field.editable and field.name != "id"
)


@transaction.atomic
def update_program_settings(*, actor: User, **values) -> DealProgramSettings:
    """Change the deal rules (program ops only); one audit row holds the before and after of
    each field that changed. Combinations the model refuses (``DealProgramSettings.clean``)
    come back as a ``DomainError`` with the message on the field concerned.

    The new values apply from the next decision on: registrations already protected keep the
    dates they were given."""
    require_program_ops(actor, _("Only program operations change the deal program settings."))
    unknown = sorted(set(values) - EDITABLE_SETTINGS)
    if unknown:
        raise DomainError(_("Unknown setting(s): %(names)s.") % {"names": ", ".join(unknown)})
    program = lock(DealProgramSettings, DealProgramSettings.current().pk)
    changes = {name: value for name, value in values.items() if getattr(program, name) != value}
    if not changes:
        return program
    before = snapshot(program, sorted(EDITABLE_SETTINGS))
    for name, value in changes.items():
        setattr(program, name, value)
    try:
        program.full_clean()
    except ValidationError as exc:
        raise DomainError(_("Some settings are invalid."), details=exc.message_dict) from exc
    program.save()
    record_change(
        program,
        actor=actor,
        verb="deal_settings.changed",
        before=before,
        after=snapshot(program, sorted(EDITABLE_SETTINGS)),
    )
    return program
