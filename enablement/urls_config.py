"""/program/ pages owned by the enablement app (joined under "program" in prm/urls.py)."""

from django.urls import path

from . import views_config as views

urlpatterns = [
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/tracks/new/", views.track_edit, name="track_create"),
    path("catalog/tracks/<int:pk>/", views.track_edit, name="track_edit"),
    path("catalog/courses/new/", views.course_edit, name="course_create"),
    path("catalog/courses/<int:pk>/", views.course_edit, name="course_edit"),
    path("catalog/certifications/new/", views.certification_edit, name="certification_create"),
    path("catalog/certifications/<int:pk>/", views.certification_edit, name="certification_edit"),
    path("onboarding/", views.onboarding_list, name="onboarding_list"),
    path("onboarding/new/", views.onboarding_edit, name="onboarding_create"),
    path("onboarding/<int:pk>/", views.onboarding_edit, name="onboarding_edit"),
    path("onboarding/<int:pk>/delete/", views.onboarding_delete, name="onboarding_delete"),
    path("enablement-settings/", views.enablement_settings, name="enablement_settings"),
]
