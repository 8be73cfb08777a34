from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

EVERYONE = {"partner", "partner_admin", "distributor", "cam", "ops"}


class EnablementConfig(AppConfig):
    name = "enablement"
    verbose_name = _("Enablement")
    # (label, url name, personas who see it); see partners.apps for the personas.
    navigation: list = [
        (_("Where we stand"), "enablement:standing", {"partner", "partner_admin"}),
        (_("Certifications"), "enablement:certification_list", EVERYONE),
        (_("Catalogue"), "enablement:catalogue", EVERYONE),
        (_("References"), "enablement:reference_list", {"partner_admin", "cam", "ops"}),
        (_("Onboarding"), "enablement:onboarding_list", {"partner_admin", "cam", "ops"}),
        (_("Business plans"), "enablement:plan_list", EVERYONE),
        (_("Content library"), "enablement:asset_list", EVERYONE),
        (_("Business cases"), "enablement:case_list", {"partner", "partner_admin", "cam", "ops"}),
    ]
    demo_seeders = ["enablement.demo.seed_certifications", "enablement.demo_programs.seed"]

    def ready(self):
        from prm.notifications import INTERNAL, PARTNER, register_optional_kind

        from . import metrics, references, services, sort_keys

        sort_keys.connect()

        metrics.register()

        register_optional_kind(
            services.KIND_EARNED,
            _("Certifications earned"),
            area=_("Enablement"),
            audience=(PARTNER,),
        )
        register_optional_kind(
            services.KIND_EXPIRING,
            _("Certifications about to expire (yours and your team's)"),
            area=_("Enablement"),
            audience=(PARTNER,),
        )
        register_optional_kind(
            services.KIND_EXPIRED,
            _("Certifications that expired"),
            area=_("Enablement"),
            audience=(PARTNER,),
        )
        register_optional_kind(
            references.KIND_REFERENCE_SUBMITTED,
            _("Reference implementations to review"),
            area=_("Enablement"),
            audience=(INTERNAL,),
        )
