from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("commission-plans", views.PlanViewSet, basename="commission-plan")
router.register("commission-lines", views.LineViewSet, basename="commission-line")
router.register("commission-statements", views.StatementViewSet, basename="commission-statement")
router.register("commission-payouts", views.PayoutViewSet, basename="commission-payout")

urlpatterns = router.urls
