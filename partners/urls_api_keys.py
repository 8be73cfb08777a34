"""API key management pages; included at ``api-keys/`` with the namespace ``api_keys``."""

from django.urls import path

from . import views_api_keys as views

app_name = "api_keys"

urlpatterns = [
    path("", views.api_key_list, name="api_key_list"),
    path("new/", views.api_key_issue, name="api_key_issue"),
    path("<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("<int:pk>/rotate/", views.api_key_rotate, name="api_key_rotate"),
]
