"""Editing the rep territory table (program ops only); every change is audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.countries import is_country_code
from prm.models import User
from prm.permissions import require_program_ops

from ..exceptions import CommissionError, CommissionNotAllowed
from .models import RepTerritory

FIELDS = ("country", "region", "rep_name", "rep_email")


def _require_ops(actor: User) -> None:
    require_program_ops(
        actor,
        _("Only program operations edit rep territories."),
        error=CommissionNotAllowed,
    )


@transaction.atomic
def save_territory(*, actor: User, territory: RepTerritory | None = None, **fields) -> RepTerritory:
    """Create a territory (``territory`` None) or change one."""
    _require_ops(actor)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise CommissionError(_("Unknown territory fields: %(f)s") % {"f": ", ".join(unknown)})
    target = territory or RepTerritory()
    before = {name: getattr(target, name) for name in FIELDS} if territory else {}
    for name, value in fields.items():
        setattr(target, name, (value or "").strip())
    target.country = target.country.upper()
    target.rep_email = target.rep_email.lower()
    if target.country and not is_country_code(target.country):
        raise CommissionError(
            _("Unknown country code."), details={"country": _("Unknown country code.")}
        )
    if not target.country and not target.region:
        raise CommissionError(_("A territory is a country or a region."))
    try:
        target.full_clean()
    except ValidationError as exc:
        raise CommissionError(
            "; ".join(" ".join(v) for v in exc.message_dict.values()),
            details={k: " ".join(v) for k, v in exc.message_dict.items()},
        ) from exc
    target.save()
    record_event(
        target,
        actor=actor,
        verb="rep_territory_saved",
        data={"before": before, "after": {name: getattr(target, name) for name in FIELDS}},
    )
    return target


@transaction.atomic
def remove_territory(*, actor: User, territory: RepTerritory) -> None:
    _require_ops(actor)
    record_event(
        territory,
        actor=actor,
        verb="rep_territory_removed",
        data={name: getattr(territory, name) for name in FIELDS},
    )
    territory.delete()
