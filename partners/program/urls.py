"""/program/ pages owned by the partners app; prm/urls.py joins them with the deal and
enablement ones under the "program" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("tiers/", views.tier_list, name="tier_list"),
    path("tiers/new/", views.tier_edit, name="tier_create"),
    path("tiers/new/preview/", views.tier_preview, name="tier_preview_new"),
    path("tiers/<int:pk>/", views.tier_edit, name="tier_edit"),
    path("tiers/<int:pk>/preview/", views.tier_preview, name="tier_preview"),
    path("tiers/<int:pk>/delete/", views.tier_delete, name="tier_delete"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_edit, name="team_create"),
    path("teams/<int:pk>/", views.team_edit, name="team_edit"),
]
