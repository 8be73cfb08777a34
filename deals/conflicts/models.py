"""The conflicts recorded between a registration and the earlier registrations or vendor
opportunities claiming the same customer (the ``deals`` app's model; detection and resolution
are in this package's other modules)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..accounts.models import Opportunity


class DealConflict(models.Model):
    """A candidate clash between a new registration and an earlier registration or a vendor
    opportunity, with the score and the evidence of each match."""

    class Resolution(models.TextChoices):
        OPEN = "open", _("Open")
        NOT_A_CONFLICT = "not_a_conflict", _("Not a conflict")
        FIRST_REGISTERED_WINS = "first_registered", _("First registered is protected")
        NEW_REGISTRATION_WINS = "new_registration", _("New registration is protected")
        VENDOR_OPPORTUNITY_WINS = "vendor_opportunity", _("Vendor's own opportunity stands")

    registration = models.ForeignKey(
        "deals.DealRegistration", on_delete=models.CASCADE, related_name="conflicts"
    )
    existing_registration = models.ForeignKey(
        "deals.DealRegistration", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    existing_opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.CASCADE, related_name="conflicts"
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    evidence = models.JSONField(_("evidence"), default=list)
    resolution = models.CharField(
        _("resolution"), max_length=20, choices=Resolution.choices, default=Resolution.OPEN
    )
    resolution_reason = models.TextField(_("reason"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "deals"
        verbose_name = _("deal conflict")
        verbose_name_plural = _("deal conflicts")
        ordering = ["-score", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(existing_registration__isnull=False)
                | models.Q(existing_opportunity__isnull=False),
                name="conflict_has_counterpart",
            ),
            models.UniqueConstraint(
                fields=["registration", "existing_registration"],
                condition=models.Q(existing_registration__isnull=False),
                name="uniq_conflict_registration_pair",
            ),
            models.UniqueConstraint(
                fields=["registration", "existing_opportunity"],
                condition=models.Q(existing_opportunity__isnull=False),
                name="uniq_conflict_opportunity_pair",
            ),
        ]

    def __str__(self):
        return f"{self.registration} ~ {self.existing_registration or self.existing_opportunity}"
