"""Portal pages for onboarding and joint business plans (the content library and business cases:
``views_content``).

Thin adapters: every read goes through a scoped selector (404 outside the user's scope) and
every write through one service; domain errors become messages or form errors.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from partners.selectors import get_partner_for_user, primary_membership
from prm.audit import events_for
from prm.exceptions import DomainError
from prm.paging import querystring

from .forms_programs import (
    CheckInFormSet,
    CheckInNotesForm,
    InitiativeFormSet,
    PlanCreateForm,
    PlanForm,
    TargetFormSet,
    formset_rows,
)
from .models import JointBusinessPlan, OnboardingStep
from .programs import onboarding
from .programs import selectors as program_selectors
from .programs import services as program_services

PAGE_SIZE = 25
# How audit rows read on the history panels.
EVENT_LABELS = {
    "onboarding.started": gettext_lazy("started onboarding"),
    "onboarding.step_checked": gettext_lazy("checked a step"),
    "onboarding.step_unchecked": gettext_lazy("reopened a step"),
    "plan.created": gettext_lazy("drafted the plan"),
    "plan.updated": gettext_lazy("edited the draft"),
    "plan.approved": gettext_lazy("approved the plan"),
    "plan.superseded": gettext_lazy("superseded this version"),
    "plan.version_created": gettext_lazy("started this version"),
    "plan.checkin_recorded": gettext_lazy("recorded check-in notes"),
}


def _history(obj) -> list[dict]:
    return [
        {"event": event, "label": EVENT_LABELS.get(event.verb, event.verb)}
        for event in events_for(obj)[:20]
    ]


def page_of(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Onboarding -------------------------------------------------------------------------------


@login_required
def onboarding_list(request):
    """Staff see their onboarding partners with progress; a partner user, their own checklist."""
    user = request.user
    if not user.is_internal:
        membership = primary_membership(user)
        if membership is None:
            raise Http404
        return redirect("enablement:onboarding_detail", partner_id=membership.partner_id)
    page = page_of(request, program_selectors.onboarding_partners(user))
    return render(
        request,
        "enablement/onboarding_list.html",
        {"page_obj": page, "statuses": program_selectors.onboarding_statuses(page.object_list)},
    )


def _onboarding_context(request, partner):
    status = program_selectors.onboarding_status(partner)
    checkable = {
        state.step.pk
        for state in status.steps
        if program_selectors.can_check_step(request.user, partner, state.step)
    }
    return {"partner": partner, "progress": status, "checkable": checkable}


@login_required
def onboarding_detail(request, partner_id):
    partner = get_partner_for_user(request.user, partner_id)
    context = _onboarding_context(request, partner)
    if context["progress"].progress is not None:
        context["events"] = _history(context["progress"].progress)
    return render(request, "enablement/onboarding_detail.html", context)


@login_required
@require_POST
def onboarding_check(request, partner_id, step_id):
    partner = get_partner_for_user(request.user, partner_id)
    step = get_object_or_404(OnboardingStep, pk=step_id)
    error = ""
    try:
        onboarding.check_onboarding_step(
            actor=request.user,
            partner=partner,
            step=step,
            done=request.POST.get("done") == "1",
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        error = exc.message
    if request.htmx:
        context = {**_onboarding_context(request, partner), "error": error}
        return render(request, "enablement/onboarding_steps.html", context)
    if error:
        messages.error(request, error)
    return redirect("enablement:onboarding_detail", partner_id=partner.pk)


# --- Joint business plans ---------------------------------------------------------------------


@login_required
def plan_list(request):
    year = request.GET.get("year", "")
    plans = program_selectors.search_plans(
        request.user,
        fiscal_year=int(year) if year.isdigit() else None,
        status=request.GET.get("status", ""),
        query=request.GET.get("q", "").strip(),
    )
    return render(
        request,
        "enablement/plan_list.html",
        {
            "page_obj": page_of(request, plans),
            "querystring": querystring(request),
            "statuses": JointBusinessPlan.Status.choices,
            "can_create": program_selectors.partners_for_new_plan(request.user).exists(),
        },
    )


@login_required
def plan_create(request):
    partners = program_selectors.partners_for_new_plan(request.user)
    if not partners.exists():
        raise PermissionDenied
    form = PlanCreateForm(request.POST or None, partners=partners)
    if request.method == "POST" and form.is_valid():
        try:
            plan = program_services.create_plan(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Draft created. Add targets, initiatives and check-ins."))
            return redirect("enablement:plan_edit", pk=plan.pk)
    return render(request, "enablement/plan_create.html", {"form": form})


@login_required
def plan_detail(request, pk):
    plan = program_selectors.plan_with_details(
        program_selectors.get_plan_for_user(request.user, pk)
    )
    user = request.user
    return render(
        request,
        "enablement/plan_detail.html",
        {
            "plan": plan,
            "versions": program_selectors.plan_versions(plan),
            "events": _history(plan),
            "can_edit": program_selectors.can_edit_plan(user, plan),
            "can_approve": program_selectors.can_approve_plan(user, plan),
            "can_revise": plan.status == JointBusinessPlan.Status.APPROVED
            and program_selectors.can_draft_plan(user, plan.partner),
            "can_record": program_selectors.can_record_checkin(user, plan),
        },
    )


def _plan_formsets(request, plan):
    data = request.POST if request.method == "POST" else None
    return (
        TargetFormSet(
            data,
            prefix="targets",
            initial=[
                {
                    "metric": t.metric,
                    "description": t.description,
                    "target_value": t.target_value,
                    "owner": t.owner,
                    "due_quarter": t.due_quarter,
                }
                for t in plan.targets.all()
            ],
        ),
        InitiativeFormSet(
            data,
            prefix="initiatives",
            initial=[
                {
                    "title": i.title,
                    "description": i.description,
                    "owner": i.owner,
                    "starts_on": i.starts_on,
                    "ends_on": i.ends_on,
                }
                for i in plan.initiatives.all()
            ],
        ),
        CheckInFormSet(
            data,
            prefix="checkins",
            initial=[
                {"id": c.pk, "scheduled_on": c.scheduled_on, "agenda": c.agenda}
                for c in plan.checkins.all()
            ],
        ),
    )


@login_required
def plan_edit(request, pk):
    plan = program_selectors.plan_with_details(
        program_selectors.get_plan_for_user(request.user, pk)
    )
    if plan.is_locked:
        message = _("This plan is %(status)s and locked; start a new version to change it.")
        messages.error(request, message % {"status": plan.get_status_display().lower()})
        return redirect(plan)
    if not program_selectors.can_edit_plan(request.user, plan):
        raise PermissionDenied
    form = PlanForm(request.POST or None, initial={"title": plan.title, "summary": plan.summary})
    targets, initiatives, checkins = _plan_formsets(request, plan)
    if request.method == "POST" and all(
        f.is_valid() for f in (form, targets, initiatives, checkins)
    ):
        try:
            program_services.update_plan(
                actor=request.user,
                plan=plan,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                targets=formset_rows(targets),
                initiatives=formset_rows(initiatives),
                checkins=formset_rows(checkins),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Plan saved."))
            return redirect(plan)
    return render(
        request,
        "enablement/plan_edit.html",
        {
            "plan": plan,
            "form": form,
            "targets": targets,
            "initiatives": initiatives,
            "checkins": checkins,
        },
    )


@login_required
@require_POST
def plan_approve(request, pk):
    plan = program_selectors.get_plan_for_user(request.user, pk)
    try:
        program_services.approve_plan(
            actor=request.user, plan=plan, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Plan approved. It is now locked."))
    return redirect("enablement:plan_detail", pk=plan.pk)


@login_required
@require_POST
def plan_new_version(request, pk):
    plan = program_selectors.get_plan_for_user(request.user, pk)
    try:
        draft = program_services.create_new_version(actor=request.user, plan=plan)
    except DomainError as exc:
        messages.error(request, exc.message)
        draft_id = exc.details.get("draft_id")
        return redirect("enablement:plan_detail", pk=draft_id or plan.pk)
    messages.success(
        request, _("Version %(n)s drafted from the approved plan.") % {"n": draft.version}
    )
    return redirect("enablement:plan_edit", pk=draft.pk)


@login_required
def plan_checkin(request, pk, checkin_pk):
    plan = program_selectors.get_plan_for_user(request.user, pk)
    checkin = program_selectors.get_checkin(plan, checkin_pk)
    if not program_selectors.can_record_checkin(request.user, plan):
        raise PermissionDenied
    form = CheckInNotesForm(
        request.POST or None, initial={"held_on": checkin.held_on, "notes": checkin.notes}
    )
    if request.method == "POST" and form.is_valid():
        try:
            program_services.record_checkin(
                actor=request.user, checkin=checkin, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Check-in notes saved."))
            return redirect(plan)
    return render(
        request, "enablement/plan_checkin.html", {"plan": plan, "checkin": checkin, "form": form}
    )
