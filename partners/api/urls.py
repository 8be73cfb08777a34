from rest_framework.routers import SimpleRouter

from . import views, views_keys

router = SimpleRouter()
router.register("partners", views.PartnerViewSet, basename="partner")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("invitations", views.InvitationViewSet, basename="invitation")
router.register("tiers", views.TierViewSet, basename="tier")
router.register("applications", views.ApplicationViewSet, basename="application")
router.register("api-keys", views_keys.ApiKeyViewSet, basename="api-key")

urlpatterns = router.urls
