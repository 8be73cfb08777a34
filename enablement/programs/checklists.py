"""Writes to the onboarding checklists (one template per business model, with its steps), for
program ops. Each save replaces the template's steps and leaves one audit row with the before
and after. Partners already onboarding keep the checks they have."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from prm.audit import record_change, snapshot
from prm.models import User
from prm.permissions import require_program_ops

from ..exceptions import EnablementError
from ..models import OnboardingCheck, OnboardingProgress, OnboardingStep, OnboardingTemplate

TEMPLATE_FIELDS = ["name", "business_model", "description"]
Kind = OnboardingStep.Kind


@dataclass(frozen=True)
class StepRow:
    kind: str
    title: str
    description: str = ""
    required_count: int = 1
    pk: int | None = None


def _require_ops(actor: User) -> None:
    require_program_ops(actor, _("Only program operations change the onboarding checklists."))


def _describe(template: OnboardingTemplate) -> dict:
    steps = [
        f"{step.position + 1}. {step.title} ({step.kind}"
        + (f", {step.required_count} people" if step.kind == Kind.FIRST_CERTIFICATIONS else "")
        + ")"
        for step in template.steps.order_by("position", "pk")
    ]
    return {**snapshot(template, TEMPLATE_FIELDS), "steps": steps}


def check_steps(rows: list[StepRow]) -> dict[str, str]:
    """Every problem of the step list at once, worded for the form."""
    problems = []
    if not rows:
        problems.append(_("A checklist needs at least one step."))
    for number, row in enumerate(rows, start=1):
        if row.kind not in Kind.values:
            problems.append(_("Step %(n)s: unknown kind.") % {"n": number})
        if not row.title.strip():
            problems.append(_("Step %(n)s: give it a title.") % {"n": number})
        if row.kind != Kind.FIRST_CERTIFICATIONS and row.required_count != 1:
            problems.append(
                _("Step %(n)s: only “First people certified” counts people; leave 1.")
                % {"n": number}
            )
        if row.required_count < 1:
            problems.append(_("Step %(n)s: at least one person.") % {"n": number})
    kinds = [row.kind for row in rows if row.kind != Kind.CUSTOM]
    repeated = sorted({k for k in kinds if kinds.count(k) > 1})
    if repeated:
        problems.append(
            _("These steps appear twice: %(k)s.")
            % {"k": ", ".join(str(Kind(k).label) for k in repeated if k in Kind.values)}
        )
    return {"steps": " ".join(problems)} if problems else {}


@transaction.atomic
def save_onboarding_template(
    *,
    actor: User,
    template: OnboardingTemplate | None = None,
    steps: list[StepRow] | None,
    **values,
) -> OnboardingTemplate:
    """Create or change a checklist with its ordered steps. Steps are kept by id so the checks
    partners already made stay; a step removed from the list loses its checks. ``steps`` None
    is a change that keeps the steps as they are (an API change that does not send them)."""
    _require_ops(actor)
    creating = template is None
    if template is None:
        template = OnboardingTemplate()
    else:
        template = OnboardingTemplate.objects.select_for_update().get(pk=template.pk)
    before = {} if creating else _describe(template)
    for name in TEMPLATE_FIELDS:
        if name in values:
            setattr(template, name, values[name])
    errors = {} if steps is None and not creating else check_steps(steps or [])
    try:
        template.full_clean()
    except ValidationError as exc:
        errors = {**{k: " ".join(v) for k, v in exc.message_dict.items()}, **errors}
    if errors:
        raise EnablementError(_("The checklist cannot be saved."), code="invalid", details=errors)
    template.save()
    if steps is not None:
        _replace_steps(template, steps)
    verb = "onboarding_template.created" if creating else "onboarding_template.changed"
    record_change(template, actor=actor, verb=verb, before=before, after=_describe(template))
    return template


def _replace_steps(template: OnboardingTemplate, rows: list[StepRow]) -> None:
    existing = {step.pk: step for step in template.steps.all()}
    kept = []
    for position, row in enumerate(rows):
        step = existing.get(row.pk) if row.pk else None
        step = step or OnboardingStep(template=template)
        step.position, step.kind, step.title = position, row.kind, row.title.strip()
        step.description, step.required_count = row.description, row.required_count
        step.save()
        kept.append(step.pk)
    removed = [pk for pk in existing if pk not in kept]
    OnboardingCheck.objects.filter(step_id__in=removed).delete()
    OnboardingStep.objects.filter(pk__in=removed).delete()


@transaction.atomic
def delete_onboarding_template(*, actor: User, template: OnboardingTemplate) -> None:
    """Remove a checklist no partner is onboarding with."""
    _require_ops(actor)
    if OnboardingProgress.objects.filter(template=template).exists():
        raise EnablementError(
            _("Partners are onboarding with this checklist; change it instead."), code="in_use"
        )
    before, pk = _describe(template), template.pk
    template.delete()
    template.pk = pk  # the audit row names the removed checklist by its old id
    record_change(
        template, actor=actor, verb="onboarding_template.deleted", before=before, after={}
    )
