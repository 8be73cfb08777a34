from django.urls import path
from rest_framework.routers import SimpleRouter

from ..cards.api import ScorecardViewSet
from ..cards.api_config import ScorecardRunViewSet, ScorecardTemplateViewSet
from . import views
from .views_settings import TierReviewSettingsViewSet

router = SimpleRouter()
router.register("tier-reviews", views.TierReviewViewSet, basename="tier-review")
router.register("tier-proposals", views.TierProposalViewSet, basename="tier-proposal")
router.register("scorecards", ScorecardViewSet, basename="scorecard")
router.register("scorecard-templates", ScorecardTemplateViewSet, basename="scorecard-template")
router.register("scorecard-runs", ScorecardRunViewSet, basename="scorecard-run")

urlpatterns: list = [
    *router.urls,
    path(
        "partners/<int:partner_id>/tier-proposals/",
        views.PartnerTierProposalsView.as_view(),
        name="partner-tier-proposals",
    ),
    # One record, no id: GET reads it, PATCH changes the fields sent.
    path(
        "tier-review-settings/",
        TierReviewSettingsViewSet.urlpattern_view(),
        name="tier-review-settings",
    ),
]
