from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

PARTNER_SIDE = {"partner", "partner_admin", "distributor"}
VENDOR_SIDE = {"cam", "ops"}
OPS = {"ops"}


class MdfConfig(AppConfig):
    name = "mdf"
    verbose_name = _("Marketing development funds")
    navigation_label = _("MDF")
    navigation = [
        (_("My funds"), "mdf:home", PARTNER_SIDE),
        (_("Fund requests"), "mdf:request_list", PARTNER_SIDE | VENDOR_SIDE),
        (_("Request funds"), "mdf:request_create", PARTNER_SIDE),
        (_("MDF approvals"), "mdf:queue", VENDOR_SIDE),
        (_("MDF claims"), "mdf:claim_queue", VENDOR_SIDE),
        (_("MDF program"), "mdf:program", VENDOR_SIDE),
        (_("MDF payments"), "mdf:payments", OPS),
        (_("Allocate funds"), "mdf:allocation", OPS),
        (_("Activity menu"), "mdf:activity_types", OPS),
        (_("MDF settings"), "mdf:settings", OPS),
    ]
    demo_seeders = ["mdf.demo.seed"]

    def ready(self):
        from prm.notifications import INTERNAL, PARTNER, register_optional_kind

        # Decisions about a partner's own requests and claims are essential and always sent.
        register_optional_kind(
            "mdf_request_submitted",
            _("New MDF requests to decide"),
            area=_("Marketing funds"),
            audience=(INTERNAL,),
        )
        register_optional_kind(
            "mdf_claim_submitted",
            _("New MDF claims to review"),
            area=_("Marketing funds"),
            audience=(INTERNAL,),
        )
        register_optional_kind(
            "mdf_extension_requested",
            _("MDF claim extension requests"),
            area=_("Marketing funds"),
            audience=(INTERNAL,),
        )
        register_optional_kind(
            "mdf_allocated", _("MDF allocations"), area=_("Marketing funds"), audience=(PARTNER,)
        )
