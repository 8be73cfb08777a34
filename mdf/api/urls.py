from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .views_config import MdfSettingsViewSet

router = SimpleRouter()
router.register("mdf/funds", views.FundViewSet, basename="mdf-fund")
router.register("mdf/balances", views.PartnerBalanceViewSet, basename="mdf-balance")
router.register("mdf/allocations", views.AllocationViewSet, basename="mdf-allocation")
router.register("mdf/activity-types", views.ActivityTypeViewSet, basename="mdf-activity-type")
router.register("mdf/requests", views.FundRequestViewSet, basename="mdf-request")
router.register("mdf/proof-files", views.ProofFileViewSet, basename="mdf-proof-file")
router.register("mdf/extensions", views.ExtensionViewSet, basename="mdf-extension")
router.register("mdf/payments", views.PaymentViewSet, basename="mdf-payment")

urlpatterns = router.urls

# One record, no id: GET reads it, PUT changes the fields sent.
urlpatterns += [
    path(
        "mdf/settings/",
        MdfSettingsViewSet.urlpattern_view(),
        name="mdf-settings",
    )
]
