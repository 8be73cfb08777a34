from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors
from .context_processors import personas_for


@login_required
def home(request):
    """Each persona lands on its own home page."""
    user = request.user
    personas = personas_for(user)
    if "ops" in personas:
        return render(
            request,
            "partners/home_ops.html",
            {
                "tiers": selectors.tiers_with_requirements(),
                "applications": selectors.applications_visible_to(user).filter(status="submitted")[
                    :10
                ],
                "partner_count": selectors.partners_visible_to(user).count(),
            },
        )
    if "cam" in personas:
        return render(
            request,
            "partners/home_cam.html",
            {"focus": selectors.focus_list(user, limit=15)},
        )
    membership = selectors.primary_membership(user)
    if membership is None:
        return render(request, "partners/home_none.html", status=200)
    partner = membership.partner
    return render(
        request,
        "partners/home_partner.html",
        {
            "membership": membership,
            "partner": partner,
            "team": selectors.memberships_visible_to(user).filter(partner=partner),
            "next_tier": selectors.next_tier(partner.tier),
        },
    )
