from django.urls import include, path

from . import views
from .cards.urls import urlpatterns as card_urls

app_name = "scorecards"

urlpatterns = [
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/start/", views.review_start, name="review_start"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/progress/", views.review_progress, name="review_progress"),
    path("reviews/<int:pk>/bulk/", views.review_bulk, name="review_bulk"),
    path(
        "reviews/applications/<int:pk>/progress/",
        views.application_progress,
        name="application_progress",
    ),
    path(
        "reviews/applications/<int:pk>/resume/",
        views.application_resume,
        name="application_resume",
    ),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("analytics/", include("scorecards.analytics.urls")),
    *card_urls,
]
