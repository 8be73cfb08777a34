from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from prm.jobs import ImportJob
from prm.money import CurrencyField, MoneyField
from prm.singleton import SingletonSettings
from prm.statemachine import StatusMachineMixin

from .accounts.models import CustomerAccount, Opportunity  # noqa: F401 (re-exported)


class DealProgramSettings(SingletonSettings):
    """Program-wide deal rules, one row (pk=1). The same SLA applies to every tier."""

    class ExtensionPolicy(models.TextChoices):
        NONE = "none", _("No extensions")
        ONCE = "once", _("One extension")
        UNLIMITED = "unlimited", _("Unlimited, one pending at a time")

    PROTECTION_CHOICES = [
        (0, _("No protection window")),
        (30, "30"),
        (60, "60"),
        (90, "90"),
        (120, "120"),
    ]

    protection_days = models.PositiveSmallIntegerField(
        _("protection window (days)"), choices=PROTECTION_CHOICES, default=90
    )
    expiry_reminder_days = models.PositiveSmallIntegerField(
        _("reminder before expiry (days)"), default=14
    )
    extension_policy = models.CharField(
        _("extension policy"),
        max_length=12,
        choices=ExtensionPolicy.choices,
        default=ExtensionPolicy.ONCE,
    )
    extension_days = models.PositiveSmallIntegerField(_("extension length (days)"), default=30)
    max_resubmissions = models.PositiveSmallIntegerField(
        _("resubmissions allowed after rejection"), default=2
    )
    approval_sla_business_days = models.PositiveSmallIntegerField(
        _("approval SLA (business days)"), default=2, validators=[MinValueValidator(1)]
    )
    sla_reminder_hours = models.PositiveSmallIntegerField(
        _("reviewer reminder before SLA due (hours)"), default=8
    )
    lead_accept_hours = models.PositiveSmallIntegerField(_("hours to accept a lead"), default=48)

    class Meta:
        verbose_name = _("deal program settings")
        verbose_name_plural = _("deal program settings")

    def __str__(self):
        return str(_("Deal program settings"))

    def clean(self):
        """Combinations that cannot work together, each reported on the field to change."""
        errors: dict[str, str | Promise] = {}
        if self.protection_days == 0:
            if self.extension_policy != self.ExtensionPolicy.NONE:
                errors["extension_policy"] = _(
                    "Without a protection window there is nothing to extend: choose "
                    "“No extensions” or set a protection window."
                )
        elif self.expiry_reminder_days >= self.protection_days:
            errors["expiry_reminder_days"] = _(
                "The reminder must come before the protection window ends "
                "(less than %(days)s days)."
            ) % {"days": self.protection_days}
        if self.extension_policy != self.ExtensionPolicy.NONE and self.extension_days < 1:
            errors["extension_days"] = _("An extension must last at least one day.")
        if self.sla_reminder_hours >= self.approval_sla_business_days * 24:
            errors["sla_reminder_hours"] = _(
                "The reviewer reminder must come before the SLA is due (less than %(hours)s hours)."
            ) % {"hours": self.approval_sla_business_days * 24}
        if self.lead_accept_hours < 1:
            errors["lead_accept_hours"] = _("Partners need at least one hour to accept a lead.")
        if errors:
            raise ValidationError(errors)


QUEUE_WAITING_ON_PARTNER = models.Case(
    models.When(status="more_info", then=models.Value(1)),
    default=models.Value(0),
    output_field=models.IntegerField(),
)


class DealRegistration(StatusMachineMixin):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        MORE_INFO = "more_info", _("More information requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.SUBMITTED: {Status.MORE_INFO, Status.APPROVED, Status.REJECTED, Status.WITHDRAWN},
        Status.MORE_INFO: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.REJECTED: {Status.SUBMITTED},
        Status.APPROVED: {Status.WON, Status.LOST, Status.EXPIRED},
        Status.WON: set(),
        Status.LOST: set(),
        Status.EXPIRED: set(),
        Status.WITHDRAWN: set(),
    }
    # Registrations that hold or claim an account: they are checked for conflicts.
    ACTIVE_STATUSES = (Status.SUBMITTED, Status.MORE_INFO, Status.APPROVED)
    PENDING_STATUSES = (Status.SUBMITTED, Status.MORE_INFO)

    class Sourcing(models.TextChoices):
        SOURCED = "sourced", _("Partner-sourced")
        INFLUENCED = "influenced", _("Partner-influenced")

    class Engagement(models.TextChoices):
        PARTNER_LED = "partner_led", _("Partner-led")
        VENDOR_ASSISTED = "vendor_assisted", _("Vendor-assisted")

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="deal_registrations"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registered_deals"
    )
    distributor = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("registered by distributor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="distributed_deal_registrations",
    )
    customer_name = models.CharField(_("end customer"), max_length=200)
    customer_name_normalized = models.CharField(max_length=200, editable=False, db_index=True)
    customer_domain = models.CharField(_("customer website domain"), max_length=253, blank=True)
    contact_name = models.CharField(_("customer contact"), max_length=150, blank=True)
    contact_email = models.EmailField(_("customer contact email"), blank=True)
    contact_email_domain = models.CharField(max_length=253, blank=True, editable=False)
    country = models.CharField(_("country"), max_length=2)
    industry = models.CharField(_("industry"), max_length=80, blank=True)
    product_lines = models.JSONField(_("product lines"), default=list, blank=True)
    estimated_amount = MoneyField(_("estimated amount"), validators=[MinValueValidator(0)])
    currency = CurrencyField()
    expected_close_date = models.DateField(_("expected close date"))
    sourcing = models.CharField(
        _("sourcing"), max_length=12, choices=Sourcing.choices, default=Sourcing.SOURCED
    )
    engagement = models.CharField(
        _("engagement"), max_length=16, choices=Engagement.choices, default=Engagement.PARTNER_LED
    )
    notes = models.TextField(_("notes"), blank=True)
    external_ref = models.CharField(
        _("partner's CRM reference"),
        max_length=100,
        blank=True,
        help_text=_("Your own CRM's id for this opportunity; used to avoid duplicate imports."),
    )
    # The syncing CRM's id (vendor or partner side); unique where set (NULL when unset).
    external_id = models.CharField(
        _("external id"), max_length=100, null=True, blank=True, unique=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # Lifecycle times
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    first_submitted_at = models.DateTimeField(_("first registered"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    resubmission_count = models.PositiveSmallIntegerField(_("resubmissions"), default=0)
    # Its conflicts still open, kept by the conflict services (``deals.conflicts``) as they
    # record and resolve them, so the review queue sorts by it without counting per row.
    open_conflict_count = models.PositiveIntegerField(
        _("open conflicts"), default=0, editable=False
    )
    # Approval SLA
    sla_due_at = models.DateTimeField(_("decision due"), null=True, blank=True)
    sla_reminded_at = models.DateTimeField(null=True, blank=True)
    sla_escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    # First vendor response to the current submission (more information, approval, rejection):
    # the SLA is met when it is at or before ``sla_due_at``.
    sla_responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # Decision
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)
    # Protection
    protected_until = models.DateTimeField(_("protected until"), null=True, blank=True)
    expiry_reminded_at = models.DateTimeField(null=True, blank=True)
    extension_count = models.PositiveSmallIntegerField(_("extensions granted"), default=0)
    # Outcome
    closed_amount = MoneyField(_("closed amount"), null=True, blank=True)
    closed_on = models.DateField(_("close date"), null=True, blank=True)
    closed_products = models.JSONField(_("products sold"), default=list, blank=True)
    discount_amount = MoneyField(_("discount"), null=True, blank=True)
    cost_amount = MoneyField(_("cost"), null=True, blank=True)
    lost_reason = models.TextField(_("lost reason"), blank=True)
    source_lead = models.OneToOneField(
        "deals.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="registration"
    )

    class Meta:
        verbose_name = _("deal registration")
        verbose_name_plural = _("deal registrations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "status", "-created_at"], name="deal_partner_status"),
            # Incremental sync walks rows in (updated_at, id) order.
            models.Index(fields=["updated_at", "id"], name="deal_sync_idx"),
            # The lists (portal and API) read one page in the order asked for: an index in each
            # order offered lets PostgreSQL stop after the page instead of sorting a million
            # rows. Each serves both directions; ties are broken by id.
            models.Index(fields=["created_at", "id"], name="deal_list_created"),
            # With the text search's columns, so that counting the matches of a search in a
            # manager's or distributor's partners reads this index alone, not every row.
            models.Index(
                fields=["partner", "created_at", "id"],
                include=["customer_name", "customer_domain", "external_ref"],
                name="deal_list_partner_created",
            ),
            models.Index(fields=["status", "created_at", "id"], name="deal_list_status_created"),
            models.Index(fields=["status", "id"], name="deal_list_status"),
            models.Index(fields=["customer_name", "id"], name="deal_list_customer"),
            models.Index(fields=["estimated_amount", "id"], name="deal_list_amount"),
            models.Index(fields=["expected_close_date", "id"], name="deal_list_close"),
            models.Index(fields=["protected_until", "id"], name="deal_list_protected"),
            models.Index(fields=["submitted_at", "id"], name="deal_list_submitted"),
            models.Index(fields=["sla_due_at", "id"], name="deal_list_sla_due"),
            # The API's ?external_ref= (a CRM looking up its own reference across partners).
            models.Index(fields=["external_ref"], name="deal_list_external_ref"),
            # The review queue sorted by first registration: pending rows are recent, so a walk
            # of every registration in that order would read years of them first.
            models.Index(
                fields=["first_submitted_at", "id"],
                name="deal_queue_first",
                condition=models.Q(status__in=["submitted", "more_info"]),
            ),
            # The review queue sorted by open conflicts (pending rows only, both directions).
            models.Index(
                fields=["open_conflict_count", "id"],
                name="deal_queue_conflicts",
                condition=models.Q(status__in=["submitted", "more_info"]),
            ),
            # The review queue's text search counts its matches among every pending row: with
            # the searched columns here that reads this small index, not 40,000 table rows.
            models.Index(
                fields=["partner"],
                include=["customer_name", "customer_domain"],
                name="deal_queue_search",
                condition=models.Q(status__in=["submitted", "more_info"]),
            ),
            # The review queue's order (``deals.selectors.review_queue``).
            models.Index(
                QUEUE_WAITING_ON_PARTNER,
                models.F("sla_due_at"),
                models.F("id"),
                name="deal_queue_order",
                condition=models.Q(status__in=["submitted", "more_info"]),
            ),
            models.Index(
                fields=["customer_domain"],
                name="deal_active_domain",
                condition=models.Q(status__in=["submitted", "more_info", "approved"]),
            ),
            models.Index(
                fields=["contact_email_domain"],
                name="deal_active_email_domain",
                condition=models.Q(status__in=["submitted", "more_info", "approved"]),
            ),
            models.Index(
                fields=["sla_due_at"],
                name="deal_pending_sla",
                condition=models.Q(status__in=["submitted", "more_info"]),
            ),
            models.Index(
                fields=["protected_until"],
                name="deal_approved_protection",
                condition=models.Q(status="approved"),
            ),
            # Won deals by close date: the commission calculation, spiffs, revenue criteria.
            models.Index(
                fields=["closed_on"], name="deal_won_closed_on", condition=models.Q(status="won")
            ),
            # The internal rep credit report (``commissions.repcredit``) groups and adds up
            # these columns of the credited deals of a quarter, from the index alone, and pages
            # them in this order.
            models.Index(
                fields=["closed_on", "id"],
                include=["country", "currency", "closed_amount"],
                name="deal_credited_closed_on",
                condition=models.Q(status="won", sourcing="sourced", closed_amount__isnull=False),
            ),
            # Program analytics reads these columns only, so PostgreSQL answers from the index
            # alone (no visit to the wide table rows): won deals by close day, registrations by
            # day first submitted (new pipeline), lost deals by the day they were marked lost.
            models.Index(
                fields=[
                    "closed_on",
                    "currency",
                    "sourcing",
                    "closed_amount",
                    "discount_amount",
                    "cost_amount",
                    "first_submitted_at",
                    "partner",
                ],
                name="deal_won_analytics",
                condition=models.Q(status="won"),
            ),  # fmt: skip
            models.Index(
                fields=[
                    "first_submitted_at",
                    "currency",
                    "sourcing",
                    "estimated_amount",
                    "partner",
                ],
                name="deal_first_submitted",
            ),
            # The same for a channel manager's partners: each partner's registrations by day
            # first submitted, from the index alone.
            models.Index(
                fields=["partner", "first_submitted_at"],
                include=["currency", "sourcing", "estimated_amount"],
                name="deal_partner_first_submitted",
            ),
            models.Index(
                fields=["updated_at", "partner"],
                name="deal_lost_updated",
                condition=models.Q(status="lost"),
            ),
            models.Index(
                fields=["sla_responded_at"],
                name="deal_sla_answered",
                condition=models.Q(sla_responded_at__isnull=False, sla_due_at__isnull=False),
            ),
        ]
        constraints = [
            # Imports and CRM pushes use the partner's own reference to stay idempotent.
            models.UniqueConstraint(
                fields=["partner", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="uniq_deal_partner_external_ref",
            )
        ]

    def __str__(self):
        return f"{self.customer_name} ({self.partner})"

    def get_absolute_url(self):
        return reverse("deals:deal_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def sla_breached(self) -> bool:
        """Waiting for the vendor past the due time. While more information is requested the
        partner holds the ball, so the clock is stopped (``sla_responded_at`` is set)."""
        return (
            self.status == self.Status.SUBMITTED
            and self.sla_due_at is not None
            and self.sla_due_at < timezone.now()
        )

    @property
    def sla_answered_late(self) -> bool:
        return (
            self.sla_responded_at is not None
            and self.sla_due_at is not None
            and self.sla_responded_at > self.sla_due_at
        )

    @property
    def holds_protection(self) -> bool:
        return (
            self.status == self.Status.APPROVED
            and self.protected_until is not None
            and self.protected_until > timezone.now()
        )


class ExtensionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    registration = models.ForeignKey(
        DealRegistration, on_delete=models.CASCADE, related_name="extension_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    new_protected_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=models.Q(status="pending"),
                name="one_pending_extension_per_deal",
            )
        ]

    def __str__(self):
        return f"Extension for {self.registration}"


class DealImport(ImportJob):
    """One CSV import of registrations: a background job and its per-line report."""

    class Outcome(models.TextChoices):
        CREATED = "created", _("Created")
        DUPLICATE = "duplicate", _("Skipped: duplicate")
        FAILED = "failed", _("Failed")

    task_path = "deals.tasks.process_deal_import"
    # Rows are created a chunk at a time (``deals.imports``): larger chunks, fewer round trips.
    chunk_size = 250

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="deal_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=255, blank=True)
    submit = models.BooleanField(_("submitted for review"), default=True)
    created_at = models.DateTimeField(_("imported"), default=timezone.now)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicates"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    ignored_columns = models.JSONField(_("ignored columns"), default=list, blank=True)
    # [{"line": 2, "outcome": "created", "reason": "", "registration": 17, "customer": "…"}]
    report = models.JSONField(_("report"), default=list, blank=True)

    class Meta:
        verbose_name = _("deal import")
        verbose_name_plural = _("deal imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.filename or _('Import')} ({self.partner})"

    def get_absolute_url(self):
        return reverse("deals:import_detail", args=[self.pk])

    def add_results(self, results: list[dict]) -> None:
        self.report = [*self.report, *results]
        outcomes = [row["outcome"] for row in results]
        self.created_count += outcomes.count(self.Outcome.CREATED)
        self.duplicate_count += outcomes.count(self.Outcome.DUPLICATE)
        self.failed_count += outcomes.count(self.Outcome.FAILED)


from .commissions.models import (  # noqa: E402, F401
    CommissionLine,
    CommissionOverride,
    CommissionPlan,
    CommissionPlanVersion,
    CommissionRule,
    CommissionRun,
    Payout,
    Spiff,
    Statement,
    StatementApproval,
)
from .commissions.repcredit.models import RepTerritory  # noqa: E402, F401
from .conflicts.models import DealConflict  # noqa: E402, F401
from .leads.models import Lead, LeadOffer, LeadRoutingRule  # noqa: E402, F401
