"""Webhook pages; included at ``webhooks/`` with the namespace ``webhooks``."""

from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="endpoint_list"),
    path("new/", views.endpoint_create, name="endpoint_create"),
    path("<int:pk>/", views.endpoint_detail, name="endpoint_detail"),
    path("<int:pk>/edit/", views.endpoint_edit, name="endpoint_edit"),
    path("<int:pk>/rotate/", views.endpoint_rotate, name="endpoint_rotate"),
    path("<int:pk>/pause/", views.endpoint_pause, name="endpoint_pause"),
    path("<int:pk>/resume/", views.endpoint_resume, name="endpoint_resume"),
    path("<int:pk>/replay/", views.endpoint_replay, name="endpoint_replay"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery_detail"),
    path("deliveries/<int:pk>/replay/", views.delivery_replay, name="delivery_replay"),
]
