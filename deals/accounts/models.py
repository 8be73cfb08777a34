"""The vendor's customer accounts and CRM opportunities, which registrations are checked
against for conflicts (part of the ``deals`` app, imported by ``deals.models``)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prm.money import CurrencyField, MoneyField


class CustomerAccount(models.Model):
    """An end customer known to the vendor's CRM (upserted through the API by ``crm_id``)."""

    crm_id = models.CharField(_("CRM id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    normalized_name = models.CharField(max_length=200, db_index=True, editable=False)
    domain = models.CharField(_("registrable domain"), max_length=253, blank=True, db_index=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "deals"
        verbose_name = _("customer account")
        verbose_name_plural = _("customer accounts")
        ordering = ["name"]
        # Incremental sync walks rows in (updated_at, id) order.
        indexes = [models.Index(fields=["updated_at", "id"], name="account_sync_idx")]

    def __str__(self):
        return self.name


class Opportunity(models.Model):
    """The vendor's own opportunity on an account; open ones count in conflict checks."""

    class Stage(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    crm_id = models.CharField(_("CRM id"), max_length=64, unique=True)
    account = models.ForeignKey(
        CustomerAccount, on_delete=models.CASCADE, related_name="opportunities"
    )
    name = models.CharField(_("name"), max_length=200)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.OPEN)
    amount = MoneyField(_("amount"), null=True, blank=True)
    currency = CurrencyField()
    owner_email = models.EmailField(_("owner"), blank=True)
    expected_close_date = models.DateField(_("expected close"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "deals"
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["stage", "account"]),
            models.Index(fields=["updated_at", "id"], name="opportunity_sync_idx"),
        ]

    def __str__(self):
        return self.name


# The review queue's first sort key: registrations waiting for the partner's answer come after
# those waiting for the vendor. One expression for the queue's ORDER BY and its index.
