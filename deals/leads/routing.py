"""Configuring the lead routing rules (program ops): the first active rule, lowest priority
number first, that finds a partner offers a new lead (``services.route_lead``). Until now only
the admin edited them; the API needs them for integrations that keep territories in a CRM."""

from django.db import transaction
from django.utils.translation import gettext as _

from partners.models import BusinessModel, Region
from prm.audit import record_event
from prm.exceptions import PermissionDenied
from prm.locks import lock
from prm.models import User

from ..countries import is_country_code
from ..models import LeadRoutingRule
from .services import InvalidLeadData

RULE_FIELDS = (
    "name",
    "priority",
    "countries",
    "regions",
    "business_models",
    "min_tier_rank",
    "specialty",
    "is_active",
)


def _require_ops(actor: User) -> None:
    if not actor.is_program_ops:
        raise PermissionDenied(_("Only program ops configure lead routing."))


def clean_rule_fields(fields: dict) -> dict:
    errors: dict[str, list[str]] = {}
    values = dict(fields)
    if "name" in values:
        values["name"] = str(values["name"] or "").strip()[:120]
        if not values["name"]:
            errors["name"] = [_("Give the rule a name.")]
    if "countries" in values:
        values["countries"] = sorted({str(c).strip().upper() for c in values["countries"] or []})
        bad = [c for c in values["countries"] if not is_country_code(c)]
        if bad:
            errors["countries"] = [_("Unknown country codes: %(c)s") % {"c": ", ".join(bad)}]
    for name, choices in (("regions", Region.values), ("business_models", BusinessModel.values)):
        if name in values:
            values[name] = sorted({str(v).strip() for v in values[name] or []})
            bad = [v for v in values[name] if v not in choices]
            if bad:
                errors[name] = [_("Unknown values: %(v)s") % {"v": ", ".join(bad)}]
    if "specialty" in values:
        values["specialty"] = str(values["specialty"] or "").strip()[:120]
    if errors:
        raise InvalidLeadData(_("Some fields are not valid."), details=errors)
    return values


@transaction.atomic
def create_routing_rule(*, actor: User, **fields) -> LeadRoutingRule:
    _require_ops(actor)
    values = clean_rule_fields({k: v for k, v in fields.items() if k in RULE_FIELDS})
    if "name" not in values:
        raise InvalidLeadData(details={"name": [_("Give the rule a name.")]})
    rule = LeadRoutingRule.objects.create(**values)
    record_event(rule, actor=actor, verb="lead_routing_rule.created", data=_snapshot(rule))
    return rule


@transaction.atomic
def update_routing_rule(*, actor: User, rule: LeadRoutingRule, **fields) -> LeadRoutingRule:
    """Change the fields given; a rule is retired with ``is_active=False`` (leads it routed keep
    naming it)."""
    _require_ops(actor)
    values = clean_rule_fields({k: v for k, v in fields.items() if k in RULE_FIELDS})
    rule = lock(LeadRoutingRule, rule.pk)
    before = _snapshot(rule)
    changed = [name for name, value in values.items() if getattr(rule, name) != value]
    if not changed:
        return rule
    for name in changed:
        setattr(rule, name, values[name])
    rule.save(update_fields=changed)
    record_event(
        rule,
        actor=actor,
        verb="lead_routing_rule.changed",
        data={"before": {k: before[k] for k in changed}, "after": {k: values[k] for k in changed}},
    )
    return rule


def _snapshot(rule: LeadRoutingRule) -> dict:
    return {name: getattr(rule, name) for name in RULE_FIELDS}
