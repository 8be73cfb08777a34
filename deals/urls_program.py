"""/program/ pages owned by the deals app (joined under the "program" namespace in prm/urls.py)."""

from django.urls import path

from . import views_program

urlpatterns = [
    path("deal-rules/", views_program.deal_settings, name="deal_settings"),
    path("lead-routing/", views_program.routing_rule_list, name="routing_rule_list"),
    path("lead-routing/new/", views_program.routing_rule_edit, name="routing_rule_create"),
    path("lead-routing/<int:pk>/", views_program.routing_rule_edit, name="routing_rule_edit"),
    path(
        "lead-routing/<int:pk>/delete/",
        views_program.routing_rule_delete,
        name="routing_rule_delete",
    ),
]
