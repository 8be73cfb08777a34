from rest_framework.routers import SimpleRouter

from . import views, views_config, views_ops

router = SimpleRouter()
router.register("commission-plans", views.PlanViewSet, basename="commission-plan")
router.register("commission-lines", views.LineViewSet, basename="commission-line")
router.register("commission-statements", views.StatementViewSet, basename="commission-statement")
router.register("commission-payouts", views.PayoutViewSet, basename="commission-payout")
router.register("commission-runs", views_ops.RunViewSet, basename="commission-run")
router.register("commission-overrides", views_ops.OverrideViewSet, basename="commission-override")
router.register("commission-spiffs", views_config.SpiffViewSet, basename="commission-spiff")
router.register("rep-territories", views_config.RepTerritoryViewSet, basename="rep-territory")

urlpatterns = router.urls
