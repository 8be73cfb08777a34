from django.urls import path
from rest_framework.routers import SimpleRouter

from ..cards.api import ScorecardViewSet
from . import views

router = SimpleRouter()
router.register("tier-reviews", views.TierReviewViewSet, basename="tier-review")
router.register("tier-proposals", views.TierProposalViewSet, basename="tier-proposal")
router.register("scorecards", ScorecardViewSet, basename="scorecard")

urlpatterns: list = [
    *router.urls,
    path(
        "partners/<int:partner_id>/tier-proposals/",
        views.PartnerTierProposalsView.as_view(),
        name="partner-tier-proposals",
    ),
]
