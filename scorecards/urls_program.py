"""/program/ pages owned by the scorecards app (joined under the "program" namespace in
prm/urls.py)."""

from django.urls import path

from . import views_program

urlpatterns = [
    path("tier-review/", views_program.review_settings, name="review_settings"),
]
