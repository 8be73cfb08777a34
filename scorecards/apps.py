from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScorecardsConfig(AppConfig):
    name = "scorecards"
    verbose_name = _("Scorecards")
    # (label, url name, personas who see it); see partners.apps for the personas.
    navigation: list = [
        (_("Tier reviews"), "scorecards:review_list", {"ops"}),
    ]
    demo_seeders = ["scorecards.demo.seed"]
