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
        from partners.models import TierRequirement
        from partners.tier_progress import register_metric
        from prm.notifications import register_optional_kind

        from . import selectors, services

        Metric = TierRequirement.Metric
        register_metric(Metric.CERTIFIED_SALES, selectors.certified_sales_people)
        register_metric(Metric.CERTIFIED_TECHNICAL, selectors.certified_technical_people)
        register_metric(Metric.CERTIFIED_DEVELOPERS, selectors.certified_developers)
        register_metric(Metric.CERTIFIED_PER_OFFICE, selectors.certified_people_per_office)
        register_metric(Metric.CERTIFIED_PER_REGION, selectors.certified_people_per_region)
        register_metric(Metric.SPECIALTY_CERTIFICATIONS, selectors.specialty_certifications)
        register_metric(
            Metric.REFERENCE_IMPLEMENTATIONS, selectors.approved_reference_implementations
        )

        register_optional_kind(services.KIND_EARNED, _("Certifications earned"))
        register_optional_kind(
            services.KIND_EXPIRING, _("Certifications about to expire (yours and your team's)")
        )
        register_optional_kind(services.KIND_EXPIRED, _("Certifications that expired"))
        register_optional_kind(
            services.KIND_REFERENCE_SUBMITTED, _("Reference implementations to review")
        )
