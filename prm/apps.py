from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrmConfig(AppConfig):
    name = "prm"
    verbose_name = _("Program kernel")

    def ready(self):
        from django.conf import settings
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_delete, post_save

        from . import (
            account_events,  # noqa: F401  (connects the sign-in audit receivers)
            search,  # noqa: F401  (registers the ``matches`` lookup)
        )
        from .api.authentication import forget_recent_keys
        from .postgres import read_times_in_c

        connection_created.connect(read_times_in_c, dispatch_uid="prm.postgres.times")

        # A key or an account changed: the API reads keys afresh (``KEY_REUSE_SECONDS``).
        for signal in (post_save, post_delete):
            for model in ("prm.ApiKey", settings.AUTH_USER_MODEL):
                signal.connect(forget_recent_keys, sender=model, dispatch_uid=f"keys.{model}")
