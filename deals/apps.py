from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

PARTNER_SIDE = {"partner", "partner_admin", "distributor"}
VENDOR_SIDE = {"cam", "ops"}


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = _("Deals")
    navigation = [
        (_("Deals"), "deals:deal_list", PARTNER_SIDE | VENDOR_SIDE),
        (_("Register a deal"), "deals:deal_create", PARTNER_SIDE),
        (_("Deal imports"), "deals:import_list", PARTNER_SIDE | VENDOR_SIDE),
        (_("Leads"), "deals:lead_list", PARTNER_SIDE | VENDOR_SIDE),
        (_("New lead"), "deals:lead_create", VENDOR_SIDE),
        (_("Review queue"), "deals:review_queue", VENDOR_SIDE),
        (_("Deal reports"), "deals:aging_report", VENDOR_SIDE),
        (_("Commissions"), "deals:commissions", PARTNER_SIDE | VENDOR_SIDE),
        (_("Commission runs"), "deals:commission_run_list", {"ops"}),
        (_("Commission statements"), "deals:commission_statement_list", {"ops"}),
        (_("Commission plans"), "deals:commission_plan_list", {"ops"}),
        (_("Spiffs"), "deals:commission_spiff_list", {"ops"}),
        (_("Commission overrides"), "deals:commission_override_queue", {"ops"}),
        (_("Rep credit"), "deals:rep_credit_report", {"ops"}),
        # Exchange rates are kernel data (prm.currency); commissions are what they serve, and the
        # kernel has no menu of its own (it would come first, before Home).
        (_("Exchange rates"), "currency:rate_list", {"ops"}),
    ]
    demo_seeders = [
        "deals.demo.seed",
        "deals.leads.demo.seed",
        "deals.commissions.demo.seed",
        "deals.commissions.repcredit.demo.seed",
    ]

    def ready(self):
        from prm.notifications import INTERNAL, PARTNER, register_optional_kind

        from . import metrics

        metrics.register()

        # Decisions about a partner's own registrations (approved, rejected, more information,
        # expired, extension decided) and SLA escalations are essential and always sent; so are
        # a commission line reversed and a commission payout (``commissions/notices.py``).
        register_optional_kind(
            "deal_submitted",
            _("New deal registrations to review"),
            area=_("Deals and leads"),
            audience=(INTERNAL,),
        )
        register_optional_kind(
            "deal_withdrawn",
            _("Deal registrations withdrawn"),
            area=_("Deals and leads"),
            audience=(INTERNAL,),
        )
        register_optional_kind(
            "deal_extension_requested",
            _("Deal extension requests"),
            area=_("Deals and leads"),
            audience=(INTERNAL,),
        )
        register_optional_kind(
            "deal_expiry_reminder",
            _("Deal protection expiry reminders"),
            area=_("Deals and leads"),
            audience=(PARTNER,),
        )
        register_optional_kind(
            "deal_sla_reminder",
            _("Deal review due-time reminders"),
            area=_("Deals and leads"),
            audience=(INTERNAL,),
        )
        register_optional_kind(
            "deal_outcome",
            _("Deal outcomes (won or lost)"),
            area=_("Deals and leads"),
            audience=(PARTNER, INTERNAL),
        )
