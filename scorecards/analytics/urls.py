from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:key>.csv", views.chart_export, name="chart_export"),
    path("summary.pdf", views.program_summary_pdf, name="summary_pdf"),
    path("business-reviews/", views.business_reviews, name="business_reviews"),
    path(
        "business-reviews/<int:pk>/review.pdf",
        views.business_review_pdf,
        name="business_review_pdf",
    ),
]
