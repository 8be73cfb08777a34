from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("partners", views.PartnerViewSet, basename="partner")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("invitations", views.InvitationViewSet, basename="invitation")
router.register("tiers", views.TierViewSet, basename="tier")
router.register("applications", views.ApplicationViewSet, basename="application")

urlpatterns = router.urls
