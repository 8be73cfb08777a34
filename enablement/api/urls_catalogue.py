from rest_framework.routers import SimpleRouter

from . import views_catalogue as views

router = SimpleRouter()
router.register("tracks", views.TrackViewSet, basename="track")
router.register("courses", views.CourseViewSet, basename="course")
router.register("verifications", views.VerificationViewSet, basename="verification")

urlpatterns: list = router.urls
