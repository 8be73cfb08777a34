"""The quarterly tier review: one ``TierReview`` per fiscal quarter, one ``TierProposal`` per
partner in it, and the program settings the review policy reads (``TierReviewSettings``).
The policy itself is explained in ``scorecards/review/policy.py``."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prm.jobs import BatchJob
from prm.singleton import SingletonSettings

from .progress import PartnerRunProgress


class TierReviewSettings(SingletonSettings):
    """How the quarterly tier review weighs the criteria and what it applies by itself."""

    certification_weight = models.PositiveSmallIntegerField(
        _("weight of certification criteria"),
        default=3,
        validators=[MaxValueValidator(20)],
        help_text=_("Certified people, every office or region covered, specialties."),
    )
    reference_weight = models.PositiveSmallIntegerField(
        _("weight of reference implementations"), default=2, validators=[MaxValueValidator(20)]
    )
    revenue_weight = models.PositiveSmallIntegerField(
        _("weight of partner-sourced revenue"), default=1, validators=[MaxValueValidator(20)]
    )
    deals_weight = models.PositiveSmallIntegerField(
        _("weight of won deals"), default=1, validators=[MaxValueValidator(20)]
    )
    qualifying_percent = models.PositiveSmallIntegerField(
        _("weighted share of criteria to meet (%)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    certifications_required = models.BooleanField(
        _("every certification criterion must be met"), default=True
    )
    grace_reviews = models.PositiveSmallIntegerField(
        _("reviews below requirements before a demotion is proposed"),
        default=1,
        validators=[MaxValueValidator(4)],
    )
    auto_apply_promotions = models.BooleanField(
        _("apply promotions without approval"),
        default=False,
        help_text=_("Demotions always wait for program ops' approval."),
    )

    class Meta:
        verbose_name = _("tier review settings")
        verbose_name_plural = _("tier review settings")

    def __str__(self):
        return str(_("Tier review settings"))


class TierReview(PartnerRunProgress, models.Model):
    """The review of every active partner's tier for one closed fiscal quarter."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    quarter = models.CharField(_("fiscal quarter"), max_length=10, unique=True)
    period_start = models.DateField(_("quarter start"))
    period_end = models.DateField(_("quarter end"))
    effective_on = models.DateField(_("default effective date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    partners_total = models.PositiveIntegerField(_("partners to review"), default=0)
    partners_done = models.PositiveIntegerField(_("partners reviewed"), default=0)
    # Partners are reviewed in id order; every partner up to this id has its proposal.
    last_partner_id = models.PositiveBigIntegerField(default=0)
    promote_count = models.PositiveIntegerField(_("promotions"), default=0)
    demote_count = models.PositiveIntegerField(_("demotions"), default=0)
    hold_count = models.PositiveIntegerField(_("holds"), default=0)
    warned_count = models.PositiveIntegerField(_("warned"), default=0)
    error = models.TextField(_("error"), blank=True)
    # The tiers and their thresholds as they stood when the review ran (proposals keep only
    # each partner's values and verdicts).
    program = models.JSONField(_("tiers and thresholds reviewed against"), default=dict)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(_("last progress"), default=timezone.now)

    class Meta:
        verbose_name = _("tier review")
        verbose_name_plural = _("tier reviews")
        ordering = ["-period_start"]

    def __str__(self):
        return str(_("Tier review %(quarter)s") % {"quarter": self.quarter})

    def get_absolute_url(self):
        return reverse("scorecards:review_detail", args=[self.pk])


class TierProposal(models.Model):
    """What the review proposes for one partner, why, and what program ops decided."""

    class Action(models.TextChoices):
        PROMOTE = "promote", _("Promote")
        DEMOTE = "demote", _("Demote")
        HOLD = "hold", _("Hold")

    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        OVERRIDDEN = "overridden", _("Overridden")

    # No index of their own: the unique (review, partner) and the (partner, -created_at) indexes
    # lead with them, and a review writes every index of thousands of proposals.
    review = models.ForeignKey(
        TierReview, on_delete=models.CASCADE, related_name="proposals", db_index=False
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="tier_proposals", db_index=False
    )
    current_tier = models.ForeignKey(
        "partners.Tier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_tier = models.ForeignKey(
        "partners.Tier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The highest tier whose requirements the partner meets under the policy (None: none).
    qualified_tier = models.ForeignKey(
        "partners.Tier", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    below_requirements = models.BooleanField(_("below its tier's requirements"), default=False)
    # Consecutive reviews below the current tier's requirements, this one included.
    misses = models.PositiveSmallIntegerField(_("reviews below requirements"), default=0)
    warned = models.BooleanField(_("warned"), default=False)
    warned_at = models.DateTimeField(_("warning sent"), null=True, blank=True)
    score = models.DecimalField(
        _("weighted score (%)"), max_digits=5, decimal_places=1, default=Decimal(0)
    )
    reasons = models.JSONField(_("reasons"), default=list)
    metrics = models.JSONField(_("metrics snapshot"), default=dict)
    decision = models.CharField(
        _("decision"), max_length=12, choices=Decision.choices, default=Decision.PENDING
    )
    # Set by ops' decision and its application: indexed where set (Meta), not for the
    # thousands of proposals a review writes without them.
    override_tier = models.ForeignKey(
        "partners.Tier",
        verbose_name=_("tier chosen instead"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    effective_on = models.DateField(_("effective from"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tier proposal")
        verbose_name_plural = _("tier proposals")
        ordering = ["review", "partner_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "partner"], name="uniq_review_partner")
        ]
        indexes = [
            models.Index(fields=["review", "action", "decision"]),
            models.Index(fields=["partner", "-created_at"]),
            *(
                models.Index(
                    fields=[name],
                    condition=Q(**{f"{name}__isnull": False}),
                    name=f"proposal_{name}",
                )
                for name in ("override_tier", "decided_by", "applied_by")
            ),
        ]

    def __str__(self):
        return f"{self.partner_id}: {self.get_action_display()} ({self.review.quarter})"

    def get_absolute_url(self):
        return reverse("scorecards:proposal_detail", args=[self.pk])

    @property
    def is_applied(self) -> bool:
        return self.applied_at is not None

    @property
    def target_tier_id(self) -> int | None:
        """The tier applying this proposal moves the partner to."""
        if self.decision == self.Decision.OVERRIDDEN:
            return self.override_tier_id or self.current_tier_id
        return self.proposed_tier_id


class ProposalApplication(BatchJob):
    """Program ops applying many decided proposals of a review at once, as a job a worker runs
    in chunks with visible progress (each proposal changes a tier, writes its history and
    notifies the partner: thousands of them do not fit in one request). ``item_ids`` are the
    proposals' ids."""

    review = models.ForeignKey(TierReview, on_delete=models.CASCADE, related_name="applications")
    # None: the review's default effective date.
    effective_on = models.DateField(_("effective from"), null=True, blank=True)

    class Meta(BatchJob.Meta):
        verbose_name = _("application of tier proposals")
        verbose_name_plural = _("applications of tier proposals")
        indexes = [
            models.Index(fields=["review", "-created_at"], name="proposal_application_review")
        ]

    def __str__(self):
        return str(
            _("Applying %(total)s proposals of %(quarter)s")
            % {"total": self.total, "quarter": self.review.quarter}
        )


# The partner scorecards live in their own package; their models register with this app.
from .cards.models import (  # noqa: E402, F401
    CamRating,
    Scorecard,
    ScorecardRun,
    ScorecardTemplate,
    TemplateCriterion,
)
