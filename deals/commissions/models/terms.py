"""The program's commission terms: plans and their versions, rules, spiffs, and per-deal
overrides of a rule.

Amounts are ``Decimal`` with three places so every currency's minor unit fits (JPY 0, USD 2,
BHD 3); each amount is rounded to its own currency's minor unit by ``prm.money.quantize``.
Rates are percentages (``12.5`` is 12.5 %).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import BusinessModel, CompensationPreference
from prm.money import CurrencyField


def amount_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=3, **kwargs)


def rate_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=7, decimal_places=4, validators=[MinValueValidator(0)], **kwargs
    )


class CommissionPlan(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        app_label = "deals"
        verbose_name = _("commission plan")
        verbose_name_plural = _("commission plans")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CommissionPlanVersion(models.Model):
    """The rules of a plan from ``effective_from`` to ``effective_to`` (inclusive; open when
    null). A deal is paid by the version in force on its close date."""

    plan = models.ForeignKey(CommissionPlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    notes = models.TextField(_("what changed"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        app_label = "deals"
        verbose_name = _("commission plan version")
        verbose_name_plural = _("commission plan versions")
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="uniq_plan_version_number"),
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(effective_to__isnull=True),
                name="one_open_version_per_plan",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="plan_version_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.plan} v{self.number}"

    def in_force_on(self, day) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


class CommissionRule(models.Model):
    """What a matching deal pays. Blank selectors match anything.

    Precedence when several rules match a deal (``deals.commissions.rules.winning_rule``): the
    rule with the most selectors set wins (most specific first); then the higher ``priority``;
    then the older rule (lower id). The line records the winning rule.
    """

    Kind = CompensationPreference

    class Engagement(models.TextChoices):
        PARTNER_LED = "partner_led", _("Partner-led")
        VENDOR_ASSISTED = "vendor_assisted", _("Vendor-assisted")

    class Sourcing(models.TextChoices):
        SOURCED = "sourced", _("Partner-sourced")
        INFLUENCED = "influenced", _("Partner-influenced")

    SELECTORS = ("business_model", "tier_id", "engagement", "sourcing", "product_line")

    version = models.ForeignKey(
        CommissionPlanVersion, on_delete=models.PROTECT, related_name="rules"
    )
    name = models.CharField(_("name"), max_length=120)
    business_model = models.CharField(
        _("business model"), max_length=20, choices=BusinessModel.choices, blank=True
    )
    tier = models.ForeignKey(
        "partners.Tier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    engagement = models.CharField(
        _("engagement"), max_length=16, choices=Engagement.choices, blank=True
    )
    sourcing = models.CharField(_("sourcing"), max_length=12, choices=Sourcing.choices, blank=True)
    product_line = models.CharField(_("product line"), max_length=80, blank=True)
    kind = models.CharField(_("pays"), max_length=20, choices=CompensationPreference.choices)
    rate = rate_field(_("rate (%)"), null=True, blank=True)
    amount = amount_field(_("flat fee"), null=True, blank=True, validators=[MinValueValidator(0)])
    currency = CurrencyField(help_text=_("Currency of the flat fee."))
    periods = models.PositiveSmallIntegerField(
        _("residual periods"), default=4, validators=[MinValueValidator(1)]
    )
    floor_rate = rate_field(_("floor rate (%)"), default=0)
    floor_amount = amount_field(_("floor fee"), default=0, validators=[MinValueValidator(0)])
    priority = models.SmallIntegerField(_("priority"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        app_label = "deals"
        verbose_name = _("commission rule")
        verbose_name_plural = _("commission rules")
        ordering = ["version", "id"]
        constraints = [
            # A rule pays a percentage or a flat fee (flat only for one-time referral fees).
            models.CheckConstraint(
                condition=(Q(rate__isnull=False) & Q(amount__isnull=True))
                | (Q(rate__isnull=True) & Q(amount__isnull=False) & Q(kind="one_time")),
                name="rule_pays_rate_or_flat_fee",
            ),
            models.CheckConstraint(
                condition=Q(rate__isnull=True) | Q(rate__gte=models.F("floor_rate")),
                name="rule_rate_not_below_floor",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=models.F("floor_amount")),
                name="rule_fee_not_below_floor",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def specificity(self) -> int:
        return sum(1 for name in self.SELECTORS if getattr(self, name))

    @property
    def selector_labels(self) -> list[str]:
        """What the rule selects, in words ("Distributor", "Gold", "Partner-led"); empty for a
        rule that selects every deal."""
        labels = [
            self.get_business_model_display() if self.business_model else "",
            self.tier.name if self.tier is not None else "",
            self.get_engagement_display() if self.engagement else "",
            self.get_sourcing_display() if self.sourcing else "",
            self.product_line,
        ]
        return [str(label) for label in labels if label]

    @property
    def is_flat(self) -> bool:
        return self.amount is not None


class Spiff(models.Model):
    """A dated accelerator: the partner(s) with the most won deals of at least
    ``threshold_amount`` (program currency) closed from ``starts_on`` to ``ends_on`` earn
    ``extra_rate`` % on top of every commission line of theirs in the period holding
    ``ends_on``. ``tie_policy`` says who wins a tie."""

    class TiePolicy(models.TextChoices):
        SHARE = "share", _("Every tied partner earns it")
        FIRST_TO_REACH = "first", _("The partner that reached the count first earns it")
        NOBODY = "nobody", _("Nobody earns it on a tie")

    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    threshold_amount = amount_field(
        _("minimum deal amount (program currency)"), default=0, validators=[MinValueValidator(0)]
    )
    min_deals = models.PositiveIntegerField(_("minimum qualifying deals"), default=1)
    extra_rate = rate_field(_("extra (%)"))
    tie_policy = models.CharField(
        _("ties"), max_length=8, choices=TiePolicy.choices, default=TiePolicy.SHARE
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        app_label = "deals"
        verbose_name = _("spiff")
        verbose_name_plural = _("spiffs")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="spiff_dates_ordered"
            ),
            models.CheckConstraint(condition=Q(min_deals__gte=1), name="spiff_min_deals_positive"),
        ]

    def __str__(self):
        return self.name


class CommissionOverride(models.Model):
    """A per-deal rate or fee replacing the winning rule's. Below the rule's floor it needs
    program ops' approval with a reason; until approved it does not apply."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for program ops")
        APPROVED = "approved", _("Applied")
        REJECTED = "rejected", _("Rejected")

    deal = models.OneToOneField(
        "deals.DealRegistration", on_delete=models.CASCADE, related_name="commission_override"
    )
    rule = models.ForeignKey(CommissionRule, on_delete=models.PROTECT, related_name="overrides")
    rate = rate_field(_("rate (%)"), null=True, blank=True)
    amount = amount_field(_("flat fee"), null=True, blank=True, validators=[MinValueValidator(0)])
    below_floor = models.BooleanField(_("below the floor"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        app_label = "deals"
        verbose_name = _("commission override")
        verbose_name_plural = _("commission overrides")
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__isnull=False) | Q(amount__isnull=False),
                name="override_has_rate_or_fee",
            )
        ]

    def __str__(self):
        return f"Override on {self.deal_id}"
