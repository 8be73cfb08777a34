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
        (_("Scorecards"), "scorecards:card_list", {"ops", "cam", "partner"}),
        (_("Focus view"), "scorecards:focus", {"cam", "ops"}),
        (_("Scorecard templates"), "scorecards:template_list", {"ops"}),
        (_("Compute scorecards"), "scorecards:card_runs", {"ops"}),
    ]
    demo_seeders = ["scorecards.demo.seed", "scorecards.cards.demo.seed"]
