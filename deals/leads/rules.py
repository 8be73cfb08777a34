"""Writes to the lead routing rules: program ops create, change and remove them, audited with
the before and after of every field. The routing itself lives in ``selectors.route_trials``."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from partners.models import BusinessModel, Partner, Region, Tier
from prm.audit import record_change, snapshot
from prm.countries import is_country_code
from prm.exceptions import DomainError
from prm.models import User
from prm.permissions import require_program_ops

from ..models import LeadRoutingRule

RULE_FIELDS = [
    "name",
    "priority",
    "countries",
    "regions",
    "business_models",
    "min_tier_rank",
    "specialty",
    "partners",
    "is_active",
]


class InvalidRoutingRule(DomainError):
    code = "invalid_routing_rule"


def _require_ops(actor: User) -> None:
    require_program_ops(actor, _("Only program operations change the lead routing rules."))


def check_rule(values: dict) -> None:
    """Refuse unknown codes and criteria that contradict each other, every problem at once."""
    errors: dict[str, str] = {}
    bad = [c for c in values.get("countries", []) if not is_country_code(c)]
    if bad:
        errors["countries"] = _("Unknown country code(s): %(codes)s.") % {"codes": ", ".join(bad)}
    bad = [r for r in values.get("regions", []) if r not in Region.values]
    if bad:
        errors["regions"] = _("Unknown region(s): %(codes)s.") % {"codes": ", ".join(bad)}
    models = values.get("business_models", [])
    bad = [m for m in models if m not in BusinessModel.values]
    if bad:
        errors["business_models"] = _("Unknown business model(s): %(codes)s.") % {
            "codes": ", ".join(bad)
        }
    rank = values.get("min_tier_rank")
    if rank is not None and not Tier.objects.filter(rank__gte=rank).exists():
        errors["min_tier_rank"] = _("No tier has rank %(rank)s or higher.") % {"rank": rank}
    errors.update(_check_targets(values.get("partners", []), models, rank))
    if errors:
        raise InvalidRoutingRule(_("The routing rule cannot be saved."), details=errors)


def _check_targets(partners: list[Partner], models: list[str], rank: int | None) -> dict:
    """Target partners the rule's own criteria would exclude could never receive a lead."""
    misfits = []
    for partner in partners:
        if partner.status != Partner.Status.ACTIVE:
            misfits.append(_("%(p)s is not active") % {"p": partner})
        elif models and partner.business_model not in models:
            misfits.append(_("%(p)s is not of the chosen business models") % {"p": partner})
        elif not models and partner.is_distributor:
            misfits.append(_("%(p)s is a distributor; choose its business model") % {"p": partner})
        elif rank is not None and (partner.tier is None or partner.tier.rank < rank):
            misfits.append(_("%(p)s is below the minimum tier") % {"p": partner})
    if not misfits:
        return {}
    return {
        "partners": _("These partners could never receive a lead by this rule: %(list)s.")
        % {"list": "; ".join(misfits)}
    }


@transaction.atomic
def save_routing_rule(
    *, actor: User, rule: LeadRoutingRule | None = None, **values
) -> LeadRoutingRule:
    """Create (``rule`` None) or change a routing rule; one audit row with before and after."""
    _require_ops(actor)
    unknown = sorted(set(values) - set(RULE_FIELDS))
    if unknown:
        raise InvalidRoutingRule(_("Unknown field(s): %(n)s.") % {"n": ", ".join(unknown)})
    for name in ("countries", "regions"):
        if name in values:
            values[name] = [str(code).strip().upper() for code in values[name] or [] if code]
    values.setdefault("partners", list(rule.partners.all()) if rule else [])
    check_rule({**(snapshot_values(rule) if rule else {}), **values})
    creating = rule is None
    if rule is None:
        rule = LeadRoutingRule()
    else:
        rule = LeadRoutingRule.objects.select_for_update().get(pk=rule.pk)
    before = {} if creating else snapshot(rule, RULE_FIELDS)
    targets = values.pop("partners")
    for name, value in values.items():
        setattr(rule, name, value)
    try:
        rule.full_clean()
    except ValidationError as exc:
        raise InvalidRoutingRule(
            _("The routing rule cannot be saved."), details=exc.message_dict
        ) from exc
    rule.save()
    rule.partners.set(targets)
    verb = "routing_rule.created" if creating else "routing_rule.changed"
    record_change(rule, actor=actor, verb=verb, before=before, after=snapshot(rule, RULE_FIELDS))
    return rule


def snapshot_values(rule: LeadRoutingRule) -> dict:
    return {
        "countries": rule.countries,
        "regions": rule.regions,
        "business_models": rule.business_models,
        "min_tier_rank": rule.min_tier_rank,
        "partners": list(rule.partners.all()),
    }


@transaction.atomic
def delete_routing_rule(*, actor: User, rule: LeadRoutingRule) -> None:
    """Remove a rule; leads it routed keep their offers (their rule link is cleared)."""
    _require_ops(actor)
    before = snapshot(rule, RULE_FIELDS)
    record_change(rule, actor=actor, verb="routing_rule.deleted", before=before, after={})
    rule.delete()
