"""Commission plans: list, create, detail with the version history and what changed, and the
rule form with a preview of the recent deals the rule would select before it is saved."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prm.exceptions import DomainError
from prm.forms import add_domain_errors

from .. import ops_selectors, selectors
from ..forms import PlanForm, RemoveRuleForm, RuleForm
from ..plans import create_plan, open_version, remove_rule, save_rule, version_has_paid_lines
from ..rule_preview import rule_preview
from .common import ops_required


@ops_required
def plan_list(request):
    return render(request, "commissions/ops/plan_list.html", {"plans": selectors.plans()})


@ops_required
def plan_create(request):
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = create_plan(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Plan created. Add its rules."))
            return redirect("deals:commission_plan_detail", pk=plan.pk)
    return render(request, "commissions/ops/plan_form.html", {"form": form})


@ops_required
def plan_detail(request, pk):
    plan = ops_selectors.get_plan(request.user, pk)
    current = open_version(plan)
    return render(
        request,
        "commissions/ops/plan_detail.html",
        {
            "plan": plan,
            "current": current,
            "rules": current.rules.select_related("tier").order_by("name", "id"),
            "paid": version_has_paid_lines(current),
            "versions": ops_selectors.plan_versions_with_diffs(plan),
            "remove_form": RemoveRuleForm(),
        },
    )


@ops_required
def rule_form(request, pk, rule_pk=None):
    """Add a rule (``rule_pk`` None) or edit one. "Preview" shows which recent won deals the
    rule would select without saving; "Save rule" saves it (a new plan version when the open
    one has paid lines)."""
    plan = ops_selectors.get_plan(request.user, pk)
    rule = ops_selectors.get_open_rule(plan, rule_pk) if rule_pk is not None else None
    current = open_version(plan)
    paid = version_has_paid_lines(current)
    initial = RuleForm.initial_from(rule) if rule else {}
    form = RuleForm(request.POST or None, initial=initial, new_version=paid)
    preview = rule_preview(initial) if rule and request.method == "GET" else None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = rule_preview(form.rule_fields())
        else:
            try:
                save_rule(
                    actor=request.user, plan=plan, rule=rule,
                    effective_from=form.cleaned_data.get("effective_from"),
                    notes=form.cleaned_data.get("notes", ""), **form.rule_fields(),
                )  # fmt: skip
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("Rule saved."))
                return redirect("deals:commission_plan_detail", pk=plan.pk)
    return render(
        request,
        "commissions/ops/rule_form.html",
        {"plan": plan, "rule": rule, "current": current, "paid": paid, "form": form,
         "preview": preview},
        status=400 if form.errors else 200,
    )  # fmt: skip


@ops_required
@require_POST
def rule_remove(request, pk, rule_pk):
    plan = ops_selectors.get_plan(request.user, pk)
    rule = ops_selectors.get_open_rule(plan, rule_pk)
    form = RemoveRuleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid date for the new version."))
        return redirect("deals:commission_plan_detail", pk=plan.pk)
    try:
        remove_rule(
            actor=request.user, plan=plan, rule=rule,
            effective_from=form.cleaned_data.get("effective_from"),
            notes=form.cleaned_data.get("notes", ""),
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Rule removed."))
    return redirect("deals:commission_plan_detail", pk=plan.pk)
