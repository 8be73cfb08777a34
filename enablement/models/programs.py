"""Onboarding checklists, joint business plans, the content library and business cases."""

import posixpath
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import BusinessModel
from prm.money import CurrencyField, MoneyField
from prm.periods import FiscalPeriod, fiscal_quarter, parse_period
from prm.statemachine import StatusMachineMixin

__all__ = [
    "Asset",
    "AssetUsage",
    "BusinessCase",
    "BusinessCaseModel",
    "BusinessCaseUsage",
    "JointBusinessPlan",
    "OnboardingCheck",
    "OnboardingProgress",
    "OnboardingStep",
    "OnboardingTemplate",
    "PlanCheckIn",
    "PlanInitiative",
    "PlanTarget",
]

QUARTER_VALIDATORS = [MinValueValidator(1), MaxValueValidator(4)]


# --- Onboarding -------------------------------------------------------------------------------


class OnboardingTemplate(models.Model):
    """The onboarding checklist for one business model; a blank business model is the default."""

    name = models.CharField(_("name"), max_length=120)
    business_model = models.CharField(
        _("business model"),
        max_length=20,
        choices=BusinessModel.choices,
        blank=True,
        unique=True,
        help_text=_("Leave blank for the checklist used when no model-specific one exists."),
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("onboarding template")
        verbose_name_plural = _("onboarding templates")
        ordering = ["business_model", "name"]

    def __str__(self):
        return self.name


class OnboardingStep(models.Model):
    class Kind(models.TextChoices):
        AGREEMENT_ACCEPTED = "agreement_accepted", _("Program agreement accepted")
        FIRST_CERTIFICATIONS = "first_certifications", _("First people certified")
        JOINT_BUSINESS_PLAN = "joint_business_plan", _("Joint business plan approved")
        INTRODUCTORY_MEETING = "introductory_meeting", _("Introductory meeting held")
        CUSTOM = "custom", _("Other step (checked by hand)")

    # Steps whose completion is read from facts elsewhere; the rest are checked by a person.
    FACT_KINDS = frozenset(
        {Kind.AGREEMENT_ACCEPTED, Kind.FIRST_CERTIFICATIONS, Kind.JOINT_BUSINESS_PLAN}
    )

    template = models.ForeignKey(OnboardingTemplate, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    required_count = models.PositiveSmallIntegerField(
        _("people to certify"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("For “first people certified”: how many different people must hold one."),
    )

    class Meta:
        verbose_name = _("onboarding step")
        verbose_name_plural = _("onboarding steps")
        ordering = ["template", "position", "id"]

    def __str__(self):
        return self.title

    @property
    def is_manual(self) -> bool:
        return self.kind not in self.FACT_KINDS


class OnboardingProgress(models.Model):
    """A partner's onboarding: which checklist it follows and the steps checked by hand.

    Steps backed by facts (agreement, certifications, an approved plan) are never stored here;
    they are read live, so the checklist cannot disagree with the rest of the portal.
    """

    partner = models.OneToOneField(
        "partners.Partner", on_delete=models.CASCADE, related_name="onboarding"
    )
    template = models.ForeignKey(
        OnboardingTemplate, on_delete=models.PROTECT, related_name="progresses"
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("onboarding progress")
        verbose_name_plural = _("onboarding progress")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.partner} – {self.template}"

    def get_absolute_url(self):
        return reverse("enablement:onboarding_detail", args=[self.partner_id])


class OnboardingCheck(models.Model):
    """A manual step marked done (an introductory meeting held, a custom step)."""

    progress = models.ForeignKey(
        OnboardingProgress, on_delete=models.CASCADE, related_name="checks"
    )
    step = models.ForeignKey(OnboardingStep, on_delete=models.CASCADE, related_name="checks")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(_("checked"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("onboarding check")
        verbose_name_plural = _("onboarding checks")
        ordering = ["checked_at"]
        constraints = [
            models.UniqueConstraint(fields=["progress", "step"], name="uniq_onboarding_check")
        ]

    def __str__(self):
        return f"{self.progress.partner}: {self.step}"


# --- Joint business plans ---------------------------------------------------------------------


class JointBusinessPlan(StatusMachineMixin):
    """A partner's plan for one fiscal year. Approved plans are locked; change means a new version.

    At most one draft and one approved version exist per partner and year; approving a new
    version supersedes the previous one.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        SUPERSEDED = "superseded", _("Superseded")

    TRANSITIONS = {
        Status.DRAFT: {Status.APPROVED},
        Status.APPROVED: {Status.SUPERSEDED},
        Status.SUPERSEDED: set(),
    }

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="business_plans"
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(
        _("joint objectives"), blank=True, help_text=_("Target market, white space, priorities.")
    )
    currency = CurrencyField()
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("based on"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="later_versions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    class Meta:
        verbose_name = _("joint business plan")
        verbose_name_plural = _("joint business plans")
        ordering = ["-fiscal_year", "partner", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "fiscal_year", "version"], name="uniq_plan_version"
            ),
            models.UniqueConstraint(
                fields=["partner", "fiscal_year"],
                condition=models.Q(status="draft"),
                name="one_draft_plan_per_partner_year",
            ),
            models.UniqueConstraint(
                fields=["partner", "fiscal_year"],
                condition=models.Q(status="approved"),
                name="one_approved_plan_per_partner_year",
            ),
        ]

    def __str__(self):
        return f"{self.partner} {self.year_label} v{self.version}"

    def get_absolute_url(self):
        return reverse("enablement:plan_detail", args=[self.pk])

    @property
    def year_label(self) -> str:
        return f"FY{self.fiscal_year}"

    @property
    def period(self) -> FiscalPeriod:
        return parse_period(self.year_label)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_locked(self) -> bool:
        return self.status != self.Status.DRAFT


class PlanTarget(models.Model):
    class Metric(models.TextChoices):
        REGISTERED_DEALS = "registered_deals", _("Registered deals from the partner")
        QUALIFIED_DEALS = "qualified_deals", _("Qualified deals passed to the partner")
        PIPELINE = "pipeline", _("Target account pipeline")
        CLOSED_WON = "closed_won", _("Closed-won bookings")
        NEW_CUSTOMERS = "new_customers", _("New customers")
        CERTIFIED_PEOPLE = "certified_people", _("Certified people")
        CERTIFIED_DEVELOPERS = "certified_developers", _("Certified developers")
        ENABLEMENT_SESSIONS = "enablement_sessions", _("Enablement sessions completed")
        CO_MARKETING = "co_marketing", _("Co-marketing activities completed")
        OTHER = "other", _("Other")

    MONEY_METRICS = frozenset({Metric.PIPELINE, Metric.CLOSED_WON})

    plan = models.ForeignKey(JointBusinessPlan, on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices)
    description = models.CharField(_("detail"), max_length=200, blank=True)
    target_value = models.DecimalField(
        _("target"), max_digits=16, decimal_places=2, validators=[MinValueValidator(0)]
    )
    owner = models.CharField(_("owner"), max_length=120)
    due_quarter = models.PositiveSmallIntegerField(_("due quarter"), validators=QUARTER_VALIDATORS)

    class Meta:
        verbose_name = _("plan target")
        verbose_name_plural = _("plan targets")
        ordering = ["plan", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_quarter__range=(1, 4)), name="plan_target_quarter_1_to_4"
            )
        ]

    def __str__(self):
        return f"{self.get_metric_display()}: {self.target_value.normalize()}"

    @property
    def is_money(self) -> bool:
        return self.metric in self.MONEY_METRICS


class PlanInitiative(models.Model):
    plan = models.ForeignKey(
        JointBusinessPlan, on_delete=models.CASCADE, related_name="initiatives"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("initiative"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.CharField(_("owner"), max_length=120)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))

    class Meta:
        verbose_name = _("plan initiative")
        verbose_name_plural = _("plan initiatives")
        ordering = ["plan", "position", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="plan_initiative_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title


class PlanCheckIn(models.Model):
    """A scheduled check-in of the plan's cadence; notes are recorded once it is held."""

    plan = models.ForeignKey(JointBusinessPlan, on_delete=models.CASCADE, related_name="checkins")
    scheduled_on = models.DateField(_("scheduled"))
    agenda = models.CharField(_("agenda"), max_length=300, blank=True)
    held_on = models.DateField(_("held on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    notes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes_at = models.DateTimeField(_("notes recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan check-in")
        verbose_name_plural = _("plan check-ins")
        ordering = ["plan", "scheduled_on", "id"]

    def __str__(self):
        return f"{self.plan} check-in {self.scheduled_on}"

    def get_absolute_url(self):
        return reverse("enablement:plan_checkin", args=[self.plan_id, self.pk])

    @property
    def quarter_label(self) -> str:
        return fiscal_quarter(self.scheduled_on).label

    @property
    def is_due(self) -> bool:
        return self.held_on is None and self.scheduled_on <= timezone.localdate()


# --- Content library --------------------------------------------------------------------------


def asset_upload_to(instance, filename: str) -> str:
    """A generated storage name: nothing of the uploader's file name reaches the disk."""
    extension = posixpath.splitext(filename)[1].lower()[:10]
    return f"enablement/assets/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


class Asset(models.Model):
    class Kind(models.TextChoices):
        COLLATERAL = "collateral", _("Collateral")
        PITCH_DECK = "pitch_deck", _("Pitch deck")
        CAMPAIGN = "campaign", _("Campaign in a box")
        DATASHEET = "datasheet", _("Datasheet")
        VIDEO = "video", _("Video link")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=asset_upload_to, blank=True, max_length=200)
    original_filename = models.CharField(_("original file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=120, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    external_url = models.URLField(_("external link"), blank=True, max_length=500)
    visible_to_tiers = models.ManyToManyField(
        "partners.Tier",
        verbose_name=_("visible to tiers"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty for every tier."),
    )
    business_models = models.JSONField(
        _("business models"),
        default=list,
        blank=True,
        help_text=_("Leave empty for every business model."),
    )
    co_brandable = models.BooleanField(_("co-brandable"), default=False)
    published = models.BooleanField(_("published"), default=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Exactly one of a stored file or an external link.
            models.CheckConstraint(
                condition=(models.Q(file="") & ~models.Q(external_url=""))
                | (~models.Q(file="") & models.Q(external_url="")),
                name="asset_file_xor_link",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("enablement:asset_download", args=[self.pk])

    @property
    def is_link(self) -> bool:
        return not self.file

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"


class AssetUsage(models.Model):
    """One download, link opening or co-branded rendering, counted per partner for scorecards."""

    class Action(models.TextChoices):
        DOWNLOAD = "download", _("Downloaded")
        LINK = "link", _("Opened link")
        COBRAND = "cobrand", _("Co-branded")

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="usages")
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="asset_usages"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("asset usage")
        verbose_name_plural = _("asset usage")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "created_at"])]

    def __str__(self):
        return f"{self.partner} {self.action} {self.asset}"


# --- Business cases ---------------------------------------------------------------------------


class BusinessCaseModel(models.Model):
    """A business-case calculation configured by ops as data: inputs, assumptions, formulas.

    - ``inputs``: ``[{"key", "label", "unit", "default", "min"}]`` the prospect's figures;
    - ``assumptions``: ``{"key": "decimal as string"}`` the vendor's constants;
    - ``formulas``: ``[{"key", "label", "expression", "format"}]`` evaluated in order; a formula
      may read inputs, assumptions and earlier formulas (see ``enablement.expressions``).
    """

    class Format(models.TextChoices):
        MONEY = "money", _("Money")
        PERCENT = "percent", _("Percent (ratio × 100)")
        NUMBER = "number", _("Number")
        MONTHS = "months", _("Months")

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    inputs = models.JSONField(_("inputs"), default=list)
    assumptions = models.JSONField(_("assumptions"), default=dict, blank=True)
    formulas = models.JSONField(_("formulas"), default=list)
    deal_amount_key = models.CharField(
        _("deal amount"),
        max_length=60,
        blank=True,
        help_text=_("The formula (or input) whose value is the deal's amount when registered."),
    )
    currency = CurrencyField()
    business_models = models.JSONField(
        _("business models"),
        default=list,
        blank=True,
        help_text=_("Leave empty for every business model."),
    )
    published = models.BooleanField(_("published"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("business-case model")
        verbose_name_plural = _("business-case models")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        # The definition is data typed by a person: check it wherever a form saves it.
        from django.core.exceptions import ValidationError

        from enablement.business_cases.calculation import definition_errors

        errors = definition_errors(
            inputs=self.inputs,
            assumptions=self.assumptions,
            formulas=self.formulas,
            deal_amount_key=self.deal_amount_key,
        )
        if errors:
            raise ValidationError(errors)


class BusinessCase(models.Model):
    """A saved business case for one prospect: the figures entered and the results computed."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="business_cases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    model = models.ForeignKey(BusinessCaseModel, on_delete=models.PROTECT, related_name="cases")
    prospect_name = models.CharField(_("prospect"), max_length=200)
    inputs = models.JSONField(_("inputs"), default=dict)
    results = models.JSONField(_("results"), default=list)
    deal_amount = MoneyField(_("deal amount"), null=True, blank=True)
    currency = CurrencyField()
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("business case")
        verbose_name_plural = _("business cases")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "created_at"])]

    def __str__(self):
        return f"{self.prospect_name} ({self.model})"

    def get_absolute_url(self):
        return reverse("enablement:case_detail", args=[self.pk])


class BusinessCaseUsage(models.Model):
    """One use of the business-case tool by a partner, counted for scorecards."""

    class Action(models.TextChoices):
        BUILT = "built", _("Built a case")
        PDF = "pdf", _("Downloaded the PDF")
        DEAL_LINK = "deal_link", _("Turned into a deal registration")

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="business_case_usages"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    model = models.ForeignKey(BusinessCaseModel, on_delete=models.CASCADE, related_name="usages")
    case = models.ForeignKey(
        BusinessCase, null=True, blank=True, on_delete=models.CASCADE, related_name="usages"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("business-case usage")
        verbose_name_plural = _("business-case usage")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "created_at"])]

    def __str__(self):
        return f"{self.partner} {self.action} {self.model}"
