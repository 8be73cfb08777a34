from rest_framework.routers import SimpleRouter

from . import views_programs as views

router = SimpleRouter()
router.register("business-plans", views.BusinessPlanViewSet, basename="business-plan")
router.register("onboarding", views.OnboardingViewSet, basename="onboarding")
router.register("assets", views.AssetViewSet, basename="library-asset")
router.register(
    "business-case-models", views.BusinessCaseModelViewSet, basename="business-case-model"
)
router.register("business-cases", views.BusinessCaseViewSet, basename="business-case")

urlpatterns: list = router.urls
