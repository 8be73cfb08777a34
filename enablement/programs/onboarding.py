"""Writes for a partner's onboarding checklist: pinning it and checking its manual steps,
each audited."""

from django.db import transaction
from django.utils.translation import gettext as _

from partners.models import Partner
from prm.audit import record_event
from prm.exceptions import DomainError, PermissionDenied
from prm.locks import lock
from prm.models import User

from ..models import OnboardingCheck, OnboardingProgress, OnboardingStep
from .selectors import (
    OnboardingStatus,
    _template_for,
    can_check_step,
    onboarding_status,
    onboarding_templates,
)


class OnboardingError(DomainError):
    """The onboarding step cannot be changed."""

    code = "onboarding_error"


@transaction.atomic
def start_onboarding(*, partner: Partner, actor: User | None) -> OnboardingProgress:
    """Pin the partner's checklist (idempotent)."""
    existing = OnboardingProgress.objects.filter(partner=partner).first()
    if existing is not None:
        return existing
    template = _template_for(partner, None, onboarding_templates())
    if template is None:
        raise OnboardingError(
            _("No onboarding checklist is configured for %(model)s partners.")
            % {"model": partner.get_business_model_display()}
        )
    progress, created = OnboardingProgress.objects.get_or_create(
        partner=partner, defaults={"template": template, "started_by": actor}
    )
    if created:
        record_event(
            progress, actor=actor, verb="onboarding.started", data={"template": template.name}
        )
    return progress


@transaction.atomic
def check_onboarding_step(
    *, actor: User, partner: Partner, step: OnboardingStep, done: bool, note: str = ""
) -> OnboardingStatus:
    """Mark a manual step done (or not done again); every change is audited."""
    if not can_check_step(actor, partner, step):
        raise PermissionDenied(_("You cannot check this step."))
    progress = lock(OnboardingProgress, start_onboarding(partner=partner, actor=actor).pk)
    if step.template_id != progress.template_id:
        raise OnboardingError(_("This step is not part of the partner's checklist."))
    existing = OnboardingCheck.objects.filter(progress=progress, step=step).first()
    if done and existing is None:
        OnboardingCheck.objects.create(
            progress=progress, step=step, checked_by=actor, note=note.strip()[:300]
        )
        record_event(
            progress,
            actor=actor,
            verb="onboarding.step_checked",
            to_state="done",
            reason=note,
            data={"step": step.title, "step_id": step.pk},
        )
    elif not done and existing is not None:
        existing.delete()
        record_event(
            progress,
            actor=actor,
            verb="onboarding.step_unchecked",
            from_state="done",
            to_state="open",
            reason=note,
            data={"step": step.title, "step_id": step.pk},
        )
    return onboarding_status(partner)
