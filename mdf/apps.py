from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MdfConfig(AppConfig):
    name = "mdf"
    verbose_name = _("Marketing development funds")
    navigation: list = []
    demo_seeders = ["mdf.demo.seed"]

    def ready(self):
        from prm.notifications import register_optional_kind

        # Decisions about a partner's own requests and claims are essential and always sent.
        register_optional_kind("mdf_request_submitted", _("New MDF requests to decide"))
        register_optional_kind("mdf_claim_submitted", _("New MDF claims to review"))
        register_optional_kind("mdf_extension_requested", _("MDF claim extension requests"))
        register_optional_kind("mdf_allocated", _("MDF allocations"))
