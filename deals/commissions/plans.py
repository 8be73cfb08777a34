"""Editing commission plans. A plan's open version is edited in place until one of its lines
has been paid; from then on every edit creates a new version effective from a given day (the old
version ends the day before), so paid lines keep pointing at the rules that paid them."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.locks import lock
from prm.models import User
from prm.permissions import require_program_ops

from .exceptions import CommissionError, CommissionNotAllowed
from .models import CommissionLine, CommissionPlan, CommissionPlanVersion, CommissionRule

RULE_FIELDS = (
    "name", "business_model", "tier", "engagement", "sourcing", "product_line", "kind", "rate",
    "amount", "currency", "periods", "floor_rate", "floor_amount", "priority",
)  # fmt: skip


def _require_ops(actor: User) -> None:
    require_program_ops(
        actor,
        _("Only program operations edit commission plans."),
        error=CommissionNotAllowed,
    )


def _full_clean(obj) -> None:
    try:
        obj.full_clean(exclude=["version"] if isinstance(obj, CommissionRule) else None)
    except ValidationError as exc:
        raise CommissionError(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()),
            details=exc.message_dict,
        ) from exc
    if isinstance(obj, CommissionRule):
        if (obj.rate is None) == (obj.amount is None):
            raise CommissionError(_("A rule pays either a rate or a flat fee."))
        if obj.amount is not None and obj.kind != CommissionRule.Kind.ONE_TIME_FEE:
            raise CommissionError(_("Only one-time referral fees can be flat."))
        if obj.rate is not None and obj.rate < obj.floor_rate:
            raise CommissionError(_("The rate is below the rule's floor."))
        if obj.amount is not None and obj.amount < obj.floor_amount:
            raise CommissionError(_("The fee is below the rule's floor."))


@transaction.atomic
def create_plan(
    *, actor: User, name: str, effective_from: dt.date, description: str = ""
) -> CommissionPlan:
    _require_ops(actor)
    plan = CommissionPlan(name=name, description=description, created_by=actor)
    _full_clean(plan)
    plan.save()
    CommissionPlanVersion.objects.create(
        plan=plan, number=1, effective_from=effective_from, created_by=actor, notes="First version"
    )
    record_event(plan, actor=actor, verb="commission_plan_created")
    return plan


def open_version(plan: CommissionPlan) -> CommissionPlanVersion:
    return plan.versions.get(effective_to__isnull=True)


def version_has_paid_lines(version: CommissionPlanVersion) -> bool:
    return CommissionLine.objects.filter(
        plan_version=version, status=CommissionLine.Status.PAID
    ).exists()


def _editable_version(
    plan: CommissionPlan, actor: User, effective_from: dt.date | None, notes: str
) -> tuple[CommissionPlanVersion, dict[int, CommissionRule]]:
    """The version to edit and a map from the open version's rule ids to their rules in it."""
    lock(CommissionPlan, plan.pk)
    current = open_version(plan)
    if not version_has_paid_lines(current):
        return current, {rule.pk: rule for rule in current.rules.all()}
    start = effective_from or timezone.localdate()
    if start <= current.effective_from:
        raise CommissionError(
            _("Version %(n)d has paid lines: the new version must start after %(day)s.")
            % {"n": current.number, "day": current.effective_from}
        )
    current.effective_to = start - dt.timedelta(days=1)
    current.save(update_fields=["effective_to"])
    new = CommissionPlanVersion.objects.create(
        plan=plan, number=current.number + 1, effective_from=start, created_by=actor, notes=notes
    )
    copies = {}
    for rule in current.rules.order_by("pk"):
        old_pk = rule.pk
        rule.pk, rule.version, rule.created_at = None, new, timezone.now()
        rule.save()
        copies[old_pk] = rule
    record_event(new, actor=actor, verb="commission_plan_versioned", reason=notes,
                 data={"previous": current.number, "effective_from": str(start)})  # fmt: skip
    return new, copies


@transaction.atomic
def save_rule(
    *,
    actor: User,
    plan: CommissionPlan,
    rule: CommissionRule | None = None,
    effective_from: dt.date | None = None,
    notes: str = "",
    **fields,
) -> CommissionRule:
    """Add a rule to ``plan`` (``rule`` None) or change one of its open version's rules."""
    _require_ops(actor)
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise CommissionError(_("Unknown rule fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    version, rules = _editable_version(plan, actor, effective_from, notes)
    if rule is None:
        target = CommissionRule(version=version)
    elif rule.pk in rules:
        target = rules[rule.pk]
    else:
        raise CommissionError(_("This rule is not in the plan's current version."))
    for name, value in fields.items():
        setattr(target, name, value)
    _full_clean(target)
    target.save()
    record_event(target, actor=actor, verb="commission_rule_saved", reason=notes,
                 data={k: str(v) for k, v in fields.items()})  # fmt: skip
    return target


@transaction.atomic
def remove_rule(
    *, actor: User, plan: CommissionPlan, rule: CommissionRule,
    effective_from: dt.date | None = None, notes: str = "",
) -> CommissionPlanVersion:  # fmt: skip
    _require_ops(actor)
    notes = notes or _("Rule %(name)s removed") % {"name": rule}
    version, rules = _editable_version(plan, actor, effective_from, notes)
    target = rules.get(rule.pk)
    if target is None:
        raise CommissionError(_("This rule is not in the plan's current version."))
    if target.lines.exists() or target.overrides.exists():
        raise CommissionError(_("Lines were calculated with this rule; it cannot be removed."))
    record_event(target, actor=actor, verb="commission_rule_removed", reason=notes)
    target.delete()
    return version
