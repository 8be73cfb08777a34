"""Reads for onboarding checklists and joint business plans, scoped to the user.

Onboarding progress is computed, not stored: the agreement, certifications and an approved plan
are read live from where they are recorded, so the checklist never disagrees with the portal.
Only steps a person confirms (an introductory meeting held, custom steps) are stored as checks.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import AgreementAcceptance, Partner
from partners.selectors import (
    current_agreement,
    has_accepted_current_agreement,
    partner_access,
    partners_visible_to,
)
from prm.models import User
from prm.periods import fiscal_year

from ..models import (
    JointBusinessPlan,
    OnboardingCheck,
    OnboardingProgress,
    OnboardingStep,
    OnboardingTemplate,
    PersonCertification,
    PlanCheckIn,
)

Kind = OnboardingStep.Kind


# --- Onboarding -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OnboardingFacts:
    agreement_accepted: bool
    certified_people: int
    approved_plan: bool


@dataclass(frozen=True)
class StepState:
    step: OnboardingStep
    done: bool
    detail: str
    check: OnboardingCheck | None

    @property
    def manual(self) -> bool:
        return self.step.is_manual


@dataclass(frozen=True)
class OnboardingStatus:
    partner: Partner
    template: OnboardingTemplate | None
    progress: OnboardingProgress | None
    steps: list[StepState]

    @property
    def done(self) -> int:
        return sum(state.done for state in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def next_step(self) -> StepState | None:
        return next((state for state in self.steps if not state.done), None)

    @property
    def is_complete(self) -> bool:
        return bool(self.steps) and self.done == self.total


def onboarding_templates() -> dict[str, OnboardingTemplate]:
    """Every checklist by business model ("" is the default), steps prefetched."""
    return {
        template.business_model: template
        for template in OnboardingTemplate.objects.prefetch_related("steps")
    }


def _template_for(
    partner: Partner, progress: OnboardingProgress | None, templates: dict
) -> OnboardingTemplate | None:
    if progress is not None:
        # The checklist a partner started with stays theirs, even if its business model changes.
        return progress.template
    return templates.get(partner.business_model) or templates.get("")


def _certified_people(partner_ids: list[int]) -> dict[int, int]:
    rows = (
        PersonCertification.objects.filter(
            partner_id__in=partner_ids,
            status__in=PersonCertification.CURRENT,
            expires_on__gte=timezone.localdate(),
        )
        .order_by()
        .values_list("partner_id")
        .annotate(n=Count("user", distinct=True))
    )
    return dict(rows)


def _approved_plans(partner_ids: list[int]) -> set[int]:
    return set(
        JointBusinessPlan.objects.filter(
            partner_id__in=partner_ids, status=JointBusinessPlan.Status.APPROVED
        ).values_list("partner_id", flat=True)
    )


def _accepted_agreement(partner_ids: list[int]) -> set[int]:
    """The partners that accepted the current agreement: the set form of
    ``partners.selectors.has_accepted_current_agreement``, one query for a whole page."""
    agreement = current_agreement()
    if agreement is None:
        return set(partner_ids)
    return set(
        AgreementAcceptance.objects.filter(
            agreement=agreement, partner_id__in=partner_ids
        ).values_list("partner_id", flat=True)
    )


def _step_state(step: OnboardingStep, facts: OnboardingFacts, checks: dict) -> StepState:
    check = checks.get(step.pk)
    if step.kind == Kind.AGREEMENT_ACCEPTED:
        done = facts.agreement_accepted
        detail = _("Accepted") if done else _("Waiting for a partner admin to accept it")
    elif step.kind == Kind.FIRST_CERTIFICATIONS:
        done = facts.certified_people >= step.required_count
        counts = {"n": facts.certified_people, "needed": step.required_count}
        detail = (
            _("%(n)s people certified (%(needed)s needed)") % counts
            if done
            else _("%(n)s of %(needed)s people certified") % counts
        )
    elif step.kind == Kind.JOINT_BUSINESS_PLAN:
        done = facts.approved_plan
        detail = _("Approved") if done else _("No approved plan yet")
    else:
        done = check is not None
        detail = (
            _("Checked by %(who)s on %(day)s")
            % {"who": check.checked_by.get_full_name(), "day": check.checked_at.date()}
            if check
            else _("Not done yet")
        )
    return StepState(step=step, done=done, detail=detail, check=check)


def _status(partner, progress, templates, facts) -> OnboardingStatus:
    template = _template_for(partner, progress, templates)
    checks = {check.step_id: check for check in progress.checks.all()} if progress else {}
    steps = list(template.steps.all()) if template else []
    return OnboardingStatus(
        partner=partner,
        template=template,
        progress=progress,
        steps=[_step_state(step, facts, checks) for step in steps],
    )


def _progress_rows(partner_ids: list[int]) -> dict[int, OnboardingProgress]:
    rows = OnboardingProgress.objects.filter(partner_id__in=partner_ids).select_related("template")
    return {
        row.partner_id: row
        for row in rows.prefetch_related("checks__checked_by", "template__steps")
    }


def onboarding_status(partner: Partner) -> OnboardingStatus:
    """One partner's onboarding checklist with each step done or not, and why."""
    progress = _progress_rows([partner.pk]).get(partner.pk)
    facts = OnboardingFacts(
        agreement_accepted=has_accepted_current_agreement(partner),
        certified_people=_certified_people([partner.pk]).get(partner.pk, 0),
        approved_plan=bool(_approved_plans([partner.pk])),
    )
    return _status(partner, progress, onboarding_templates(), facts)


def onboarding_statuses(partners: Iterable[Partner]) -> list[OnboardingStatus]:
    """The checklists of many partners in a fixed number of queries (for list pages)."""
    partners = list(partners)
    ids = [partner.pk for partner in partners]
    if not ids:
        return []
    progress = _progress_rows(ids)
    accepted, certified, planned = (
        _accepted_agreement(ids),
        _certified_people(ids),
        _approved_plans(ids),
    )
    templates = onboarding_templates()
    return [
        _status(
            partner,
            progress.get(partner.pk),
            templates,
            OnboardingFacts(
                agreement_accepted=partner.pk in accepted,
                certified_people=certified.get(partner.pk, 0),
                approved_plan=partner.pk in planned,
            ),
        )
        for partner in partners
    ]


def onboarding_partners(user: User) -> QuerySet[Partner]:
    """Partners in scope that are onboarding, the newest first."""
    return (
        partners_visible_to(user)
        .filter(status=Partner.Status.ONBOARDING)
        .order_by("-created_at", "display_name")
    )


# --- Onboarding: who may check a step -------------------------------------------------------------


def _is_partners_cam(user: User, partner: Partner) -> bool:
    return user.is_program_ops or (
        user.is_channel_manager and partner.channel_manager_id == user.pk
    )


def can_check_step(user: User, partner: Partner, step: OnboardingStep) -> bool:
    """The channel account manager (or ops) confirms meetings; a partner admin may also confirm
    custom steps. Steps backed by facts are never checked by hand."""
    if not step.is_manual:
        return False
    if _is_partners_cam(user, partner):
        return True
    return step.kind == Kind.CUSTOM and partner.pk in partner_access(user).admin_of


# --- Joint business plans -------------------------------------------------------------------------


def plans_visible_to(user: User) -> QuerySet[JointBusinessPlan]:
    return JointBusinessPlan.objects.select_related(
        "partner", "partner__channel_manager", "created_by", "approved_by"
    ).filter(partner__in=partners_visible_to(user).values("pk"))


def get_plan_for_user(user: User, pk) -> JointBusinessPlan:
    return get_object_or_404(plans_visible_to(user), pk=pk)


def search_plans(
    user: User, *, fiscal_year: int | None = None, status: str = "", query: str = ""
) -> QuerySet[JointBusinessPlan]:
    plans = plans_visible_to(user)
    if fiscal_year:
        plans = plans.filter(fiscal_year=fiscal_year)
    if status:
        plans = plans.filter(status=status)
    if query:
        plans = plans.filter(Q(partner__display_name__matches=query) | Q(title__matches=query))
    return plans.annotate(target_count=Count("targets", distinct=True)).order_by(
        "-fiscal_year", "partner__display_name", "-version"
    )


def plan_with_details(plan: JointBusinessPlan) -> JointBusinessPlan:
    """The plan with its targets, initiatives and check-ins loaded (three queries)."""
    return (
        JointBusinessPlan.objects.select_related(
            "partner", "partner__channel_manager", "created_by", "approved_by", "based_on"
        )
        .prefetch_related("targets", "initiatives", "checkins__notes_by")
        .get(pk=plan.pk)
    )


def plan_versions(plan: JointBusinessPlan) -> QuerySet[JointBusinessPlan]:
    return JointBusinessPlan.objects.filter(
        partner_id=plan.partner_id, fiscal_year=plan.fiscal_year
    ).select_related("created_by", "approved_by")


def get_checkin(plan: JointBusinessPlan, pk) -> PlanCheckIn:
    return get_object_or_404(plan.checkins.select_related("notes_by"), pk=pk)


def can_draft_plan(user: User, partner: Partner) -> bool:
    return _is_partners_cam(user, partner) or partner.pk in partner_access(user).admin_of


def can_edit_plan(user: User, plan: JointBusinessPlan) -> bool:
    return plan.is_draft and can_draft_plan(user, plan.partner)


def can_approve_plan(user: User, plan: JointBusinessPlan) -> bool:
    return plan.is_draft and plan.partner_id in partner_access(user).admin_of


def can_record_checkin(user: User, plan: JointBusinessPlan) -> bool:
    return plan.status != JointBusinessPlan.Status.SUPERSEDED and can_draft_plan(user, plan.partner)


def plan_fiscal_years() -> list[int]:
    """The fiscal years a new plan may be drafted for: last year, this year and next."""
    current = fiscal_year(timezone.localdate()).year
    return [current - 1, current, current + 1]


def partners_for_new_plan(user: User) -> QuerySet[Partner]:
    """Partners the user may draft a plan for: a CAM's own, ops' all, an admin's own org."""
    partners = partners_visible_to(user).exclude(status=Partner.Status.TERMINATED)
    if user.is_program_ops:
        return partners
    if user.is_channel_manager:
        return partners.filter(channel_manager=user)
    return partners.filter(pk__in=partner_access(user).admin_of)
