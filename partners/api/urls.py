from rest_framework.routers import SimpleRouter

from . import views, views_keys, views_program

router = SimpleRouter()
router.register("partners", views.PartnerViewSet, basename="partner")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("invitations", views.InvitationViewSet, basename="invitation")
router.register("tiers", views.TierViewSet, basename="tier")
router.register("applications", views.ApplicationViewSet, basename="application")
router.register("api-keys", views_keys.ApiKeyViewSet, basename="api-key")
router.register("agreements", views_program.AgreementViewSet, basename="agreement")
router.register("channel-teams", views_program.ChannelTeamViewSet, basename="channel-team")

urlpatterns = router.urls
