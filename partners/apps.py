from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")
    # Navigation entries: (label, url name, personas who see it). Personas: partner,
    # partner_admin, distributor, cam, ops. The context processor gathers every app's entries.
    navigation = [
        (_("Home"), "home", {"partner", "partner_admin", "distributor", "cam", "ops"}),
        (_("Partners"), "partners:partner_list", {"cam", "ops", "distributor"}),
        (_("My organisation"), "partners:my_partner", {"partner", "partner_admin"}),
        (_("Applications"), "partners:application_list", {"cam", "ops"}),
        (
            _("Tiers"),
            "partners:tier_list",
            {"partner", "partner_admin", "distributor", "cam", "ops"},
        ),
        (_("API keys"), "api_keys:api_key_list", {"partner_admin", "ops"}),
        (_("Audit trail"), "audit_trail", {"ops"}),
    ]
    # ``manage.py seed_demo`` calls every app's seeders in INSTALLED_APPS order; ours come first.
    demo_seeders = ["partners.demo.seed"]

    def requires_mfa(self, user) -> bool:
        """Asked by ``prm.accounts.mfa_required_for``: members of an organisation whose admin
        requires MFA must use it."""
        from .selectors import partner_requires_mfa

        return partner_requires_mfa(user)

    def ready(self):
        from prm.notifications import INTERNAL, register_optional_kind

        # Reviewers may follow new applications from the list instead of by email.
        register_optional_kind(
            "partners.application_submitted",
            _("New partner applications to review"),
            area=_("Partners"),
            audience=(INTERNAL,),
        )
