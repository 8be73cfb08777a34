"""The home page: each persona lands on what needs them today."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from partners import selectors as partner_selectors
from partners.context_processors import personas_for
from partners.recruitment import selectors as recruitment
from partners.views import agreement_context

from . import selectors


@login_required
def home(request):
    user = request.user
    personas = personas_for(user)
    if "ops" in personas:
        return _ops_home(request)
    if "cam" in personas:
        return _cam_home(request)
    membership = partner_selectors.primary_membership(user)
    if membership is None:
        return render(request, "partners/home_none.html")
    partner = membership.partner
    next_tier = partner_selectors.next_tier(partner.tier)
    context = {
        "membership": membership,
        "partner": partner,
        "next_tier": next_tier,
        "next_requirements": (
            partner_selectors.requirements_in_display_order(next_tier) if next_tier else []
        ),
        "team": partner_selectors.team_of(partner),
        **agreement_context(user, partner),
    }
    if "distributor" in personas:
        context["resellers"] = selectors.resellers_with_pipeline(user)
    if partner.pk in partner_selectors.partner_access(user).admin_of:
        context["work"] = selectors.partner_admin_home(user, partner)
        template = "partners/home_partner_admin.html"
    else:
        context["work"] = selectors.partner_home(user, organisation=False)
        template = "partners/home_partner.html"
    return render(request, template, context)


def _ops_home(request):
    user = request.user
    conflicts = selectors.conflicts_to_resolve(user)
    waiting = recruitment.applications_waiting(user)
    return render(
        request,
        "partners/home_ops.html",
        {
            "applications": waiting[:10],
            "health": selectors.program_health(user, conflict_count=conflicts["conflict_count"]),
            **conflicts,
            "tiers": partner_selectors.tiers_for_display(),
            "jobs": selectors.recent_jobs(),
            "by_status": partner_selectors.partner_counts_by_status(user),
            "by_business_model": partner_selectors.partner_counts_by_business_model(user),
        },
    )


def _cam_home(request):
    user = request.user
    by_status = partner_selectors.partner_counts_by_status(user)
    waiting = recruitment.applications_waiting(user)
    return render(
        request,
        "partners/home_cam.html",
        {
            **selectors.cam_home(user),
            "focus": partner_selectors.focus_list(user, limit=15),
            "by_status": by_status,
            "partner_count": sum(bar.count for bar in by_status),
            "applications": waiting[:10],
            "application_count": waiting.count(),
        },
    )
