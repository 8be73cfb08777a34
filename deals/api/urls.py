from django.urls import path
from rest_framework.routers import SimpleRouter

from deals.commissions.api.urls import urlpatterns as commission_urlpatterns

from . import views, views_routing, views_settings

router = SimpleRouter()
router.register("registrations", views.RegistrationViewSet, basename="deal-registration")
router.register("conflicts", views.ConflictViewSet, basename="deal-conflict")
router.register("leads", views.LeadViewSet, basename="lead")
router.register("accounts", views.AccountViewSet, basename="customer-account")
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
router.register(
    "lead-routing-rules", views_routing.RoutingRuleViewSet, basename="lead-routing-rule"
)

urlpatterns = [*router.urls, *commission_urlpatterns]

# One record, no id: GET reads it, PATCH changes the fields sent.
urlpatterns += [
    path(
        "deal-settings/",
        views_settings.DealSettingsViewSet.urlpattern_view(),
        name="deal-settings",
    )
]
