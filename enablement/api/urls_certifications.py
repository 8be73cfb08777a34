from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .views_imports import CertificationImportViewSet

router = SimpleRouter()
router.register("certifications", views.CertificationViewSet, basename="certification")
router.register(
    "person-certifications", views.PersonCertificationViewSet, basename="person-certification"
)
router.register(
    "certification-imports", CertificationImportViewSet, basename="certification-import"
)
router.register(
    "reference-implementations",
    views.ReferenceImplementationViewSet,
    basename="reference-implementation",
)

urlpatterns: list = [
    *router.urls,
    path(
        "partners/<int:partner_id>/standing/",
        views.PartnerStandingView.as_view(),
        name="partner-standing",
    ),
]
