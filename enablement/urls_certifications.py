from django.urls import path

from . import views, views_lists

urlpatterns: list = [
    path("catalogue/", views.catalogue, name="catalogue"),
    path("certifications/", views_lists.certification_list, name="certification_list"),
    path("certifications/record/", views.record_completion, name="certification_record"),
    path("certifications/import/", views.import_certifications, name="certification_import"),
    path(
        "certifications/imports/",
        views_lists.certification_import_list,
        name="certification_import_list",
    ),
    path("certifications/imports/<int:pk>/", views.import_detail, name="import_detail"),
    path(
        "certifications/imports/<int:pk>/progress/",
        views.import_progress,
        name="import_progress",
    ),
    path("certifications/imports/<int:pk>/report.csv", views.import_report, name="import_report"),
    path("certifications/<int:pk>/", views.certification_detail, name="certification_detail"),
    path(
        "certifications/<int:pk>/certificate.pdf",
        views.certificate_pdf,
        name="certificate_pdf",
    ),
    path("standing/", views.standing, name="standing"),
    path("partners/<int:pk>/standing/", views.partner_standing, name="partner_standing"),
    path("references/", views.reference_list, name="reference_list"),
    path("references/new/", views.reference_create, name="reference_create"),
    path("references/<int:pk>/", views.reference_detail, name="reference_detail"),
    path("badges/<str:code>.svg", views.badge, name="badge"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
