"""Reads behind the program-ops commission pages (all of them ops only, enforced here too)."""

from django.db.models import QuerySet
from django.http import Http404

from prm.models import User
from prm.permissions import require_program_ops

from .models import (
    CommissionOverride,
    CommissionPlan,
    CommissionRule,
    CommissionRun,
    StatementApproval,
)


def require_ops(user: User) -> None:
    """Ops pages answer 404 to everyone else: a scope miss, as elsewhere in the portal."""
    require_program_ops(user, error=Http404)


def get_run(user: User, pk) -> CommissionRun:
    require_ops(user)
    try:
        return CommissionRun.objects.select_related("requested_by").get(pk=pk)
    except (CommissionRun.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_bulk_approval(user: User, pk) -> StatementApproval:
    require_ops(user)
    try:
        return StatementApproval.objects.select_related("requested_by").get(pk=pk)
    except (StatementApproval.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def latest_bulk_approval(user: User) -> StatementApproval | None:
    """The most recent approval of every statement a filter matched (its progress, or how it
    ended), for the statements page."""
    require_ops(user)
    return StatementApproval.objects.select_related("requested_by").first()


def get_plan(user: User, pk) -> CommissionPlan:
    require_ops(user)
    try:
        return CommissionPlan.objects.get(pk=pk)
    except (CommissionPlan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_open_rule(plan: CommissionPlan, pk) -> CommissionRule:
    """A rule of the plan's open version (the only one edited); 404 for any other."""
    try:
        return CommissionRule.objects.get(
            pk=pk, version__plan=plan, version__effective_to__isnull=True
        )
    except (CommissionRule.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_override(user: User, pk) -> CommissionOverride:
    require_ops(user)
    try:
        return CommissionOverride.objects.select_related("rule", "deal__partner").get(pk=pk)
    except (CommissionOverride.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def plan_versions_with_diffs(plan: CommissionPlan) -> list[tuple]:
    """Each version of ``plan`` (newest first) with what changed from the one before it."""
    from .selectors import plan_version_diff

    versions = list(plan.versions.prefetch_related("rules__tier").order_by("number"))
    rows = []
    for previous, version in zip([None, *versions], versions, strict=False):
        diff = plan_version_diff(previous, version) if previous is not None else None
        rows.append((version, diff))
    return list(reversed(rows))


def runs_for(user: User) -> QuerySet[CommissionRun]:
    require_ops(user)
    return CommissionRun.objects.select_related("requested_by").order_by("-created_at", "-id")
