from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "prm.webhooks"
    label = "webhooks"
    verbose_name = _("Integrations")
    default_auto_field = "django.db.models.BigAutoField"
    navigation = [
        (_("Webhooks"), "webhooks:endpoint_list", {"partner_admin", "ops"}),
    ]
