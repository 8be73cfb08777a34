from django.urls import path

from . import views

app_name = "currency"

urlpatterns = [
    path("", views.rate_list, name="rate_list"),
    path("new/", views.rate_add, name="rate_add"),
    path("import/", views.rate_import, name="rate_import"),
]
