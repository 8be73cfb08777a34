from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views_config
from . import views_programs as views

router = SimpleRouter()
router.register("business-plans", views.BusinessPlanViewSet, basename="business-plan")
router.register("onboarding", views.OnboardingViewSet, basename="onboarding")
router.register("assets", views.AssetViewSet, basename="library-asset")
router.register(
    "business-case-models", views.BusinessCaseModelViewSet, basename="business-case-model"
)
router.register("business-cases", views.BusinessCaseViewSet, basename="business-case")

router.register(
    "onboarding-checklists",
    views_config.OnboardingChecklistViewSet,
    basename="onboarding-checklist",
)

urlpatterns: list = router.urls

# One record, no id: GET reads it, PATCH changes the fields sent.
urlpatterns += [
    path(
        "enablement-settings/",
        views_config.EnablementSettingsViewSet.urlpattern_view(),
        name="enablement-settings",
    )
]
