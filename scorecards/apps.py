from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScorecardsConfig(AppConfig):
    name = "scorecards"
    verbose_name = _("Scorecards")
    # (label, url name, personas who see it); see partners.apps for the personas.
    navigation: list = [
        (_("Tier reviews"), "scorecards:review_list", {"ops"}),
        (_("Program analytics"), "scorecards:analytics:dashboard", {"ops", "cam"}),
        (
            _("Business reviews"),
            "scorecards:analytics:business_reviews",
            {"ops", "cam", "partner_admin"},
        ),
    ]
    demo_seeders = ["scorecards.demo.seed"]
