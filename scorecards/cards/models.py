"""Scorecard templates (weighted criteria per business model), the quarterly scorecard of each
partner (a snapshot), the channel account manager's ratings and the job computing a quarter."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import BusinessModel

from ..progress import PartnerRunProgress
from .criteria import Criterion, Health, Source


class ScorecardTemplate(models.Model):
    """The criteria, weights and health thresholds of the scorecards of one business model;
    the template without a business model applies to every other partner."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    business_model = models.CharField(
        _("business model"),
        max_length=20,
        choices=BusinessModel.choices,
        blank=True,
        help_text=_("Leave empty for the default template used by every other business model."),
    )
    green_from = models.PositiveSmallIntegerField(
        _("green from (score %)"), default=75, validators=[MaxValueValidator(100)]
    )
    amber_from = models.PositiveSmallIntegerField(
        _("amber from (score %)"), default=50, validators=[MaxValueValidator(100)]
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("scorecard template")
        verbose_name_plural = _("scorecard templates")
        ordering = ["business_model", "name"]
        constraints = [
            models.UniqueConstraint(fields=["business_model"], name="uniq_template_business_model"),
            models.CheckConstraint(
                condition=models.Q(amber_from__lt=models.F("green_from")),
                name="template_amber_below_green",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("scorecards:template_edit", args=[self.pk])


class TemplateCriterion(models.Model):
    template = models.ForeignKey(
        ScorecardTemplate, on_delete=models.CASCADE, related_name="criteria"
    )
    criterion = models.CharField(_("criterion"), max_length=30, choices=Criterion.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    weight = models.PositiveSmallIntegerField(
        _("weight"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    target = models.DecimalField(
        _("value for full marks"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Measured criteria only: the value that scores 100."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("scorecard criterion")
        verbose_name_plural = _("scorecard criteria")
        ordering = ["template", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "criterion"], name="uniq_template_criterion"
            )
        ]

    def __str__(self):
        return f"{self.template}: {self.get_criterion_display()} ({self.weight})"


class ScorecardRun(PartnerRunProgress, models.Model):
    """Computing every active partner's scorecard for one quarter; partners are done in id
    order, so a run started again continues after ``last_partner_id``."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    quarter = models.CharField(_("fiscal quarter"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    partners_total = models.PositiveIntegerField(_("partners"), default=0)
    partners_done = models.PositiveIntegerField(_("partners done"), default=0)
    computed_count = models.PositiveIntegerField(_("scorecards computed"), default=0)
    kept_count = models.PositiveIntegerField(_("closed scorecards kept"), default=0)
    last_partner_id = models.PositiveBigIntegerField(default=0)
    error = models.TextField(_("error"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last progress"), default=timezone.now)

    class Meta:
        verbose_name = _("scorecard run")
        verbose_name_plural = _("scorecard runs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return str(_("Scorecards %(quarter)s") % {"quarter": self.quarter})

    def get_absolute_url(self):
        return reverse("scorecards:card_run", args=[self.pk])


class Scorecard(models.Model):
    """One partner's scorecard for one fiscal quarter: a snapshot of each criterion's value and
    score, the thresholds it was judged by and the vendor's obligations. Once computed after
    the quarter closed (``is_final``), later data never changes it."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="scorecards"
    )
    quarter = models.CharField(_("fiscal quarter"), max_length=10)
    period_start = models.DateField(_("quarter start"))
    period_end = models.DateField(_("quarter end"))
    template = models.ForeignKey(
        ScorecardTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template_name = models.CharField(_("template"), max_length=120)
    score = models.DecimalField(
        _("score (%)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    health = models.CharField(_("health"), max_length=8, choices=Health.choices)
    green_from = models.PositiveSmallIntegerField(_("green from (score %)"))
    amber_from = models.PositiveSmallIntegerField(_("amber from (score %)"))
    # [{criterion, label, source, weight, target, unit, value, score, missing, explanation}]
    criteria = models.JSONField(_("criteria"), default=list)
    # {checkins: {done, total}, mdf_payments: {...}, deal_decisions: {...}, leads_passed: n}
    obligations = models.JSONField(_("vendor obligations"), default=dict)
    is_final = models.BooleanField(_("quarter closed when computed"), default=False)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["-period_start", "partner_id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "quarter"], name="uniq_partner_quarter")
        ]
        indexes = [models.Index(fields=["quarter", "health"])]

    def __str__(self):
        return f"{self.partner_id} {self.quarter}: {self.score}"

    def get_absolute_url(self):
        return reverse("scorecards:card_detail", args=[self.pk])


class CamRating(models.Model):
    """The channel account manager's 1-5 rating of a rated criterion on one scorecard."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="ratings")
    criterion = models.CharField(_("criterion"), max_length=30, choices=Criterion.choices)
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    note = models.TextField(_("note"))
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rated_at = models.DateTimeField(_("rated"), default=timezone.now)

    class Meta:
        verbose_name = _("scorecard rating")
        verbose_name_plural = _("scorecard ratings")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "criterion"], name="uniq_card_rating"),
            models.CheckConstraint(
                condition=models.Q(rating__range=(1, 5)), name="card_rating_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.scorecard_id} {self.criterion}: {self.rating}"
