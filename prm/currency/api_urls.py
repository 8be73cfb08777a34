from rest_framework.routers import SimpleRouter

from .api import ExchangeRateViewSet

router = SimpleRouter()
router.register("exchange-rates", ExchangeRateViewSet, basename="exchange-rate")

urlpatterns = router.urls
