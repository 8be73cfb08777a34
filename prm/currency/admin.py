"""Exchange rates in the admin: saved through the service, so every change is audited."""

from django.contrib import admin, messages

from prm.exceptions import DomainError

from . import services
from .models import ExchangeRate


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "rate", "effective_on", "entered_by", "updated_at"]
    list_filter = ["currency"]
    date_hierarchy = "effective_on"
    fields = ["currency", "rate", "effective_on"]

    def has_delete_permission(self, request, obj=None):
        # Past conversions depend on the rate; correct it instead.
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["currency", "effective_on"] if obj else []

    def save_model(self, request, obj, form, change):
        try:
            saved = services.set_exchange_rate(
                actor=request.user, currency=obj.currency, rate=obj.rate,
                effective_on=obj.effective_on, reason="admin",
            )  # fmt: skip
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = saved.pk
