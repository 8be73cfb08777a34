"""Courses, certifications, person certifications, reference implementations."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Region
from prm.jobs import ImportJob
from prm.singleton import SingletonSettings
from prm.statemachine import StatusMachineMixin

__all__ = [
    "Role",
    "Track",
    "Course",
    "Certification",
    "PersonCertification",
    "ReferenceImplementation",
    "CertificationImport",
    "EnablementSettings",
    "new_verification_code",
]


class Role(models.TextChoices):
    SALES = "sales", _("Sales")
    TECHNICAL = "technical", _("Technical")
    DEVELOPER = "developer", _("Developer")


def new_verification_code() -> str:
    # 128 random bits, URL-safe: codes appear in public links and must not be guessable.
    return secrets.token_urlsafe(16)


class Track(models.Model):
    """A learning path for one role, aimed at some business models (empty: all of them)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    business_models = models.JSONField(
        _("business models"),
        default=list,
        blank=True,
        help_text=_("Business models this track is meant for; empty means every partner."),
    )
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Course(models.Model):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="courses")
    title = models.CharField(_("title"), max_length=200)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    url = models.URLField(_("link"), blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    business_models = models.JSONField(_("business models"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["track", "position", "title"]

    def __str__(self):
        return f"{self.code}: {self.title}"


class Certification(models.Model):
    class Kind(models.TextChoices):
        SALES = "sales", _("Sales")
        TECHNICAL = "technical", _("Technical")
        DEVELOPER = "developer", _("Developer")
        SPECIALTY = "specialty", _("Specialty")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), default=24, validators=[MinValueValidator(1)]
    )
    points = models.PositiveSmallIntegerField(_("points toward tiers"), default=0)
    description = models.TextField(_("description"), blank=True)
    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certifications",
    )

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name

    @property
    def earns_badge(self) -> bool:
        return self.kind == self.Kind.SPECIALTY


# The person certification list's default order (``enablement.filters``): expiring first (act
# now), then expired, then active, then renewed history. Here so an index can follow it.
STATUS_PRIORITY = models.Case(
    models.When(status="expiring", then=models.Value(0)),
    models.When(status="expired", then=models.Value(1)),
    models.When(status="active", then=models.Value(2)),
    default=models.Value(3),
    output_field=models.IntegerField(),
)


class PersonCertification(StatusMachineMixin):
    """One person's completion of one certification on one day.

    The status mirrors the dates (``refresh_certification_statuses`` moves it daily); a newer
    completion of the same certification marks the older one ``renewed``.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRING = "expiring", _("Expiring")
        EXPIRED = "expired", _("Expired")
        RENEWED = "renewed", _("Renewed")

    class Source(models.TextChoices):
        PORTAL = "portal", _("Recorded in the portal")
        IMPORT = "import", _("Imported from the learning system")
        API = "api", _("API")

    TRANSITIONS = {
        Status.ACTIVE: {Status.EXPIRING, Status.EXPIRED, Status.RENEWED},
        Status.EXPIRING: {Status.EXPIRED, Status.RENEWED},
        Status.EXPIRED: {Status.RENEWED},
        Status.RENEWED: set(),
    }
    # Statuses whose holder still counts toward tier requirements.
    CURRENT = (Status.ACTIVE, Status.EXPIRING)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="certifications",
    )
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="person_certifications",
    )
    office = models.ForeignKey(
        "partners.Office",
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person_certifications",
    )
    region = models.CharField(_("region"), max_length=10, choices=Region.choices, blank=True)
    certification = models.ForeignKey(
        Certification,
        verbose_name=_("certification"),
        on_delete=models.PROTECT,
        related_name="holders",
    )
    earned_on = models.DateField(_("earned on"))
    expires_on = models.DateField(_("expires on"), db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    verification_code = models.CharField(
        _("verification code"),
        max_length=32,
        unique=True,
        default=new_verification_code,
        editable=False,
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.PORTAL
    )
    external_id = models.CharField(
        _("external id"),
        max_length=120,
        blank=True,
        help_text=_("The learning system's id for this completion; imports use it once."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Copies of the names the list shows (the person's, the certification's, the office's), so
    # the list sorted by one of them reads a page through an index of this table: sorted on the
    # joined tables' columns it reads and sorts every row in scope. ``save`` copies them;
    # ``enablement.sort_keys`` follows renames and removed offices. No office: null, which sorts
    # last in both directions.
    person_name = models.CharField(_("person name"), max_length=254, default="", editable=False)
    certification_name = models.CharField(
        _("certification name"), max_length=200, default="", editable=False
    )
    office_name = models.CharField(
        _("office name"), max_length=120, null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("person certification")
        verbose_name_plural = _("person certifications")
        ordering = ["-earned_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "certification", "earned_on"], name="uniq_person_completion"
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="uniq_person_certification_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__gt=models.F("earned_on")),
                name="person_certification_expires_after_earned",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "status"]),
            models.Index(fields=["status", "expires_on"]),
            models.Index(fields=["user", "certification"]),
            # The list reads one page in the order asked for (see the deal list's indexes).
            models.Index(
                STATUS_PRIORITY, models.F("expires_on"), models.F("id"), name="cert_list_default"
            ),
            models.Index(fields=["earned_on", "id"], name="cert_list_earned"),
            models.Index(fields=["expires_on", "id"], name="cert_list_expires"),
            models.Index(fields=["status", "id"], name="cert_list_status"),
            models.Index(fields=["person_name", "id"], name="cert_list_person"),
            models.Index(fields=["certification_name", "id"], name="cert_list_certification"),
            # Ascending with empty values last (the default); the descending order with empty
            # values last has a PostgreSQL-only index (migration 0005).
            models.Index(fields=["office_name", "id"], name="cert_list_office"),
            models.Index(fields=["updated_at", "id"], name="cert_sync_idx"),  # ?pagination=cursor
        ]

    def __str__(self):
        return f"{self.user} – {self.certification} ({self.earned_on})"

    def save(self, *args, **kwargs):
        if kwargs.get("update_fields") is None:  # a status change leaves the names alone
            self.person_name = self.user.get_full_name()
            self.certification_name = self.certification.name
            self.office_name = self.office.name if self.office is not None else None
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("enablement:certification_detail", args=[self.pk])

    def is_valid_on(self, day) -> bool:
        return self.earned_on <= day <= self.expires_on


class ReferenceImplementation(StatusMachineMixin):
    """A customer project the partner delivered; the channel account manager approves it."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.SUBMITTED: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
    }

    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="reference_implementations",
    )
    customer_name = models.CharField(_("customer"), max_length=200)
    scope = models.TextField(_("scope"))
    evidence = models.TextField(_("evidence"), blank=True)
    evidence_url = models.URLField(_("evidence link"), blank=True)
    completed_on = models.DateField(_("completed on"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.SUBMITTED,
        db_index=True,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("reference implementation")
        verbose_name_plural = _("reference implementations")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["partner", "status", "completed_on"])]

    def __str__(self):
        return f"{self.partner}: {self.customer_name}"

    def get_absolute_url(self):
        return reverse("enablement:reference_detail", args=[self.pk])


class CertificationImport(ImportJob):
    """One CSV import from the learning system: a background job and its line-by-line report."""

    task_path = "enablement.tasks.process_certification_import"

    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(_("file"), max_length=255)
    created_at = models.DateTimeField(_("imported"), default=timezone.now)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    report = models.JSONField(_("report"), default=list, blank=True)

    class Meta:
        verbose_name = _("certification import")
        verbose_name_plural = _("certification imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self):
        return reverse("enablement:import_detail", args=[self.pk])

    def add_results(self, results: list[dict]) -> None:
        self.report = [*self.report, *results]
        outcomes = [row["outcome"] for row in results]
        self.imported += outcomes.count("imported")
        self.unchanged += outcomes.count("unchanged")
        self.failed += outcomes.count("failed")


class EnablementSettings(SingletonSettings):
    """Program settings for enablement; one row (pk 1), created on first use."""

    expiry_warning_days = models.PositiveSmallIntegerField(
        _("warn before expiry (days)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    class Meta:
        verbose_name = _("enablement settings")
        verbose_name_plural = _("enablement settings")

    def __str__(self):
        return str(_("Enablement settings"))
