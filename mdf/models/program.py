"""The MDF program's settings: one row, changed by program ops through an audited service."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prm.money import MoneyField
from prm.singleton import SingletonSettings


class MdfSettings(SingletonSettings):
    """What happens to unspent funds, the execute and claim windows, who approves what, and how
    large a proof file may be."""

    class CarryOver(models.TextChoices):
        NONE = "none", _("Funds expire at the end of their period")
        DAYS = "days", _("Funds stay usable for a number of days after their period")
        NEXT_PERIOD = "next_period", _("Unspent funds move into the next period, up to a cap")

    carry_over = models.CharField(
        _("carry-over rule"), max_length=12, choices=CarryOver.choices, default=CarryOver.NONE
    )
    carry_over_days = models.PositiveSmallIntegerField(
        _("grace after the period (days)"), default=30, validators=[MaxValueValidator(366)]
    )
    carry_over_cap = MoneyField(
        _("carry-over cap (program currency)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("The most that moves into the next period; blank for no cap."),
    )
    execute_window_days = models.PositiveSmallIntegerField(
        _("execute window (days)"),
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("An activity must end within this many days of its submission."),
    )
    claim_window_days = models.PositiveSmallIntegerField(
        _("claim window (days)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("A claim is due this many days after the activity ends."),
    )
    ops_approval_threshold = MoneyField(
        _("ops approval above (program currency)"),
        default=Decimal("10000"),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Requests for more than this need program ops as well as the CAM."),
    )
    decision_days = models.PositiveSmallIntegerField(
        _("decision due within (days)"), default=5, validators=[MinValueValidator(1)]
    )
    expiring_soon_days = models.PositiveSmallIntegerField(
        _("warn of expiry within (days)"), default=30, validators=[MinValueValidator(1)]
    )
    proof_max_bytes = models.PositiveIntegerField(
        _("largest proof file (bytes)"),
        default=10 * 1024 * 1024,
        validators=[MinValueValidator(1024), MaxValueValidator(50 * 1024 * 1024)],
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("MDF program settings")
        verbose_name_plural = _("MDF program settings")

    def __str__(self):
        return str(_("MDF program settings"))
