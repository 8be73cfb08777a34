"""Reads for business cases: the models a user may build from, saved cases in scope, usage
counts, and the case document.
"""

from urllib.parse import urlencode

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse

from partners.models import Partner
from partners.selectors import partner_access, partners_visible_to
from prm.models import User

from ..content.selectors import business_model_q, partner_branding
from ..models import BusinessCase, BusinessCaseModel, BusinessCaseUsage
from .calculation import input_lines, result_lines

# The deals app's registration form (by URL name: enablement does not import deals); it reads
# these query parameters as initial values.
DEAL_REGISTRATION_URL_NAME = "deals:deal_create"


def business_case_models_for(user: User) -> QuerySet[BusinessCaseModel]:
    """Ops see every model; others the published ones, partner users only those for their
    business models."""
    models = BusinessCaseModel.objects.all()
    if not getattr(user, "is_authenticated", False):
        return models.none()
    if user.is_program_ops:
        return models
    models = models.filter(published=True)
    if user.is_internal:
        return models
    access = partner_access(user)
    if not access.member_of:
        return models.none()
    kinds = set(
        Partner.objects.filter(pk__in=access.member_of).values_list("business_model", flat=True)
    )
    return models.filter(business_model_q("business_models", kinds))


def get_business_case_model_for_user(user: User, pk) -> BusinessCaseModel:
    return get_object_or_404(business_case_models_for(user), pk=pk)


def business_cases_visible_to(user: User) -> QuerySet[BusinessCase]:
    return BusinessCase.objects.select_related("partner", "model", "created_by").filter(
        partner__in=partners_visible_to(user).values("pk")
    )


def get_business_case_for_user(user: User, pk) -> BusinessCase:
    return get_object_or_404(business_cases_visible_to(user), pk=pk)


def partners_for_business_cases(user: User) -> QuerySet[Partner]:
    """The partners a user builds cases for: the ones they belong to."""
    return Partner.objects.filter(pk__in=partner_access(user).member_of).order_by("display_name")


def usage_counts(*, partner_ids, since=None) -> dict[int, dict[str, int]]:
    """{partner id: {action: count}} of business-case use, for scorecards."""
    rows = BusinessCaseUsage.objects.filter(partner_id__in=list(partner_ids))
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    counts: dict[int, dict[str, int]] = {}
    for partner_id, action, n in (
        rows.order_by().values_list("partner_id", "action").annotate(n=Count("pk"))
    ):
        counts.setdefault(partner_id, {})[action] = n
    return counts


def deal_registration_url(case: BusinessCase) -> str:
    """The deals app's registration form, pre-filled from the case (read there as initials)."""
    params = {"customer_name": case.prospect_name, "business_case": case.pk}
    if case.deal_amount is not None:
        params["estimated_amount"] = str(case.deal_amount)
    return f"{reverse(DEAL_REGISTRATION_URL_NAME)}?{urlencode(params)}"


def render_business_case_pdf(case: BusinessCase) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "enablement/case_document.html",
        {
            "case": case,
            "branding": partner_branding(case.partner, contact=case.created_by),
            "results": result_lines(case),
            "inputs": input_lines(case),
            "for_pdf": True,
        },
    )
    return HTML(string=html).write_pdf()
