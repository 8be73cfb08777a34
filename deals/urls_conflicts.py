from django.urls import path

from . import views_conflicts

urlpatterns: list = [
    path("<int:pk>/conflicts/", views_conflicts.conflict_compare, name="conflict_compare"),
    path("conflicts/<int:pk>/resolve/", views_conflicts.conflict_resolve, name="conflict_resolve"),
]
