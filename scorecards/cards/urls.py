from django.urls import path

from . import views

# Included by scorecards/urls.py, in the "scorecards" namespace.
urlpatterns = [
    path("cards/", views.card_list, name="card_list"),
    path("cards/<int:pk>/", views.card_detail, name="card_detail"),
    path("focus/", views.focus, name="focus"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("runs/", views.run_list, name="card_runs"),
    path("runs/<int:pk>/", views.run_detail, name="card_run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="card_run_progress"),
]
