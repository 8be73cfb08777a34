from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExchangeRate(models.Model):
    """How many units of the program currency one unit of ``currency`` is worth from
    ``effective_on`` until the next rate of the same currency takes over."""

    currency = models.CharField(_("currency"), max_length=3)
    rate = models.DecimalField(_("rate to the program currency"), max_digits=20, decimal_places=10)
    effective_on = models.DateField(_("effective from"))
    created_at = models.DateTimeField(_("entered"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        app_label = "prm"
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-effective_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "effective_on"], name="uniq_exchange_rate_currency_day"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self):
        return f"1 {self.currency} = {self.rate.normalize()} from {self.effective_on}"
