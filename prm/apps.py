from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrmConfig(AppConfig):
    name = "prm"
    verbose_name = _("Program kernel")

    def ready(self):
        from . import account_events  # noqa: F401  (connects the sign-in audit receivers)
