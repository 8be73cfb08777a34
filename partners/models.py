import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prm.statemachine import StatusMachineMixin


class Region(models.TextChoices):
    NORTH_AMERICA = "NA", _("North America")
    LATIN_AMERICA = "LATAM", _("Latin America")
    EMEA = "EMEA", _("Europe, Middle East and Africa")
    APAC = "APAC", _("Asia Pacific")


class BusinessModel(models.TextChoices):
    REFERRAL = "referral", _("Referral partner")
    RESELLER = "reseller", _("Reseller (VAR)")
    MSP = "msp", _("Managed service provider (MSP)")
    MSSP = "mssp", _("Managed security service provider (MSSP)")
    SI = "si", _("System integrator (SI)")
    ISV = "isv", _("Independent software vendor (ISV)")
    DISTRIBUTOR = "distributor", _("Distributor")
    ADVISOR = "advisor", _("Advisor (TSD)")


class CompensationPreference(models.TextChoices):
    RESIDUAL_COMMISSION = "residual", _("Residual commission")
    RESALE_MARGIN = "margin", _("Resale margin")
    ONE_TIME_FEE = "one_time", _("One-time fee")


class Tier(models.Model):
    """A program tier. Higher ``rank`` is a higher tier."""

    rank = models.PositiveSmallIntegerField(_("rank"), unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    benefits = models.JSONField(_("benefits"), default=list, blank=True)
    mdf_accrual_rate = models.DecimalField(
        _("MDF accrual rate"),
        max_digits=6,
        decimal_places=4,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Share of won revenue accrued to the partner's MDF fund, e.g. 0.0200 for 2%."),
    )
    commission_multiplier = models.DecimalField(
        _("commission multiplier"),
        max_digits=5,
        decimal_places=3,
        default=1,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]

    def __str__(self):
        return self.name

    @property
    def mdf_percent(self) -> Decimal:
        """The MDF accrual rate in percent, as pages show and ops enter it (0.0200: 2)."""
        return Decimal(self.mdf_accrual_rate or 0) * 100


class TierRequirement(models.Model):
    """One criterion of a tier. Certification metrics come first; revenue is one among several."""

    class Metric(models.TextChoices):
        CERTIFIED_SALES = "certified_sales", _("Certified sales people")
        CERTIFIED_TECHNICAL = "certified_technical", _("Certified technical people")
        CERTIFIED_DEVELOPERS = "certified_developers", _("Certified developers")
        CERTIFIED_PER_OFFICE = "certified_per_office", _("Certified people in every office")
        CERTIFIED_PER_REGION = "certified_per_region", _("Certified people in every region served")
        SPECIALTY_CERTIFICATIONS = "specialty_certifications", _("Specialty certifications")
        REFERENCE_IMPLEMENTATIONS = (
            "reference_implementations",
            _("Approved reference implementations"),
        )
        SOURCED_REVENUE = "sourced_revenue", _("Partner-sourced revenue, last 12 months")
        WON_DEALS = "won_deals", _("Won registered deals, last 12 months")

    CERTIFICATION_METRICS = {
        Metric.CERTIFIED_SALES,
        Metric.CERTIFIED_TECHNICAL,
        Metric.CERTIFIED_DEVELOPERS,
        Metric.CERTIFIED_PER_OFFICE,
        Metric.CERTIFIED_PER_REGION,
        Metric.SPECIALTY_CERTIFICATIONS,
    }

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="requirements")
    metric = models.CharField(_("metric"), max_length=40, choices=Metric.choices)
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=2)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("tier requirement")
        verbose_name_plural = _("tier requirements")
        ordering = ["tier__rank", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "metric"], name="uniq_tier_metric"),
        ]

    def __str__(self):
        return f"{self.tier}: {self.get_metric_display()} ≥ {self.threshold.normalize()}"

    @property
    def is_certification_metric(self) -> bool:
        return self.metric in self.CERTIFICATION_METRICS

    @property
    def is_money_metric(self) -> bool:
        """Measured in the program currency: shown with the ``money`` filter."""
        return self.metric == self.Metric.SOURCED_REVENUE


class Partner(StatusMachineMixin):
    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        APPLIED = "applied", _("Applied")
        ONBOARDING = "onboarding", _("Onboarding")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        TERMINATED = "terminated", _("Terminated")

    TRANSITIONS = {
        Status.PROSPECT: {Status.APPLIED, Status.ONBOARDING, Status.TERMINATED},
        Status.APPLIED: {Status.ONBOARDING, Status.TERMINATED},
        Status.ONBOARDING: {Status.ACTIVE, Status.TERMINATED},
        Status.ACTIVE: {Status.SUSPENDED, Status.TERMINATED},
        Status.SUSPENDED: {Status.ACTIVE, Status.TERMINATED},
        Status.TERMINATED: set(),
    }

    legal_name = models.CharField(_("legal name"), max_length=200)
    display_name = models.CharField(_("display name"), max_length=120)
    website = models.URLField(_("website"), blank=True)
    domains = models.JSONField(_("email and web domains"), default=list, blank=True)
    hq_country = models.CharField(_("headquarters country"), max_length=2)
    regions_served = models.JSONField(_("regions served"), default=list, blank=True)
    business_model = models.CharField(
        _("business model"), max_length=20, choices=BusinessModel.choices
    )
    compensation_preference = models.CharField(
        _("compensation preference"),
        max_length=20,
        choices=CompensationPreference.choices,
        default=CompensationPreference.RESALE_MARGIN,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROSPECT, db_index=True
    )
    tier = models.ForeignKey(
        Tier,
        verbose_name=_("tier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partners",
    )
    parent_distributor = models.ForeignKey(
        "self",
        verbose_name=_("distributor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resellers",
        limit_choices_to={"business_model": BusinessModel.DISTRIBUTOR},
    )
    channel_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("channel account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_partners",
        limit_choices_to={"internal_role": "cam"},
    )
    team = models.ForeignKey(
        "prm.ChannelTeam",
        verbose_name=_("internal team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="partners",
    )
    target_sectors = models.JSONField(_("target sectors"), default=list, blank=True)
    solution_stack = models.JSONField(_("solution stack"), default=list, blank=True)
    logo = models.FileField(_("logo"), upload_to="partner-logos/", blank=True)
    require_mfa = models.BooleanField(
        _("require two-factor authentication"),
        default=False,
        help_text=_("Every member must set up an authenticator app before using the portal."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The vendor CRM's id for this partner; unique where set (NULL when unset, never "").
    external_id = models.CharField(
        _("external id"), max_length=100, null=True, blank=True, unique=True
    )
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["display_name", "id"]
        indexes = [
            models.Index(fields=["channel_manager", "status"]),
            models.Index(fields=["parent_distributor"]),
            # Incremental sync walks rows in (updated_at, id) order.
            models.Index(fields=["updated_at", "id"], name="partner_sync_idx"),
            # The partner list's default order, and the deal lists sorted by partner name.
            models.Index(fields=["display_name", "id"], name="partner_list_name"),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("partners:partner_detail", args=[self.pk])

    @property
    def regions_served_display(self) -> list[str]:
        """The regions served by name ("North America"), in the order stored."""
        names = dict(Region.choices)
        return [str(names.get(code, code)) for code in self.regions_served or []]

    @property
    def is_distributor(self) -> bool:
        return self.business_model == BusinessModel.DISTRIBUTOR


class Office(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="offices")
    name = models.CharField(_("name"), max_length=120)
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2)
    region = models.CharField(_("region"), max_length=10, choices=Region.choices)

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["partner", "name"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "name"], name="uniq_partner_office_name")
        ]

    def __str__(self):
        return f"{self.partner} – {self.name}"


class PartnerMembership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Partner admin")
        REP = "rep", _("Partner rep")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.REP)
    office = models.ForeignKey(
        Office, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    created_at = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        verbose_name = _("partner membership")
        verbose_name_plural = _("partner memberships")
        ordering = ["partner", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "partner"], name="uniq_membership"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.partner} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class TierHistory(models.Model):
    """Effective-dated tier assignments: one open row (``effective_to`` null) per partner."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="tier_history")
    tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tier history")
        verbose_name_plural = _("tier history")
        ordering = ["partner", "-effective_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner"],
                condition=models.Q(effective_to__isnull=True),
                name="one_open_tier_history_per_partner",
            )
        ]

    def __str__(self):
        return f"{self.partner}: {self.tier or '—'} from {self.effective_from}"


class PartnerTerms(models.Model):
    """The business model and compensation a partner had before they were changed: deals it
    closed before ``effective_to`` are paid on these terms. The terms in force today are the
    partner's own fields, so a partner whose terms never changed has no row here."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="earlier_terms")
    business_model = models.CharField(
        _("business model"), max_length=20, choices=BusinessModel.choices
    )
    compensation_preference = models.CharField(
        _("compensation preference"), max_length=20, choices=CompensationPreference.choices
    )
    effective_to = models.DateField(
        _("in force until"), help_text=_("The first day the next terms applied.")
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("earlier partner terms")
        verbose_name_plural = _("earlier partner terms")
        ordering = ["partner", "effective_to", "id"]
        indexes = [models.Index(fields=["partner", "effective_to", "id"], name="partner_terms_on")]

    def __str__(self):
        terms = f"{self.business_model}/{self.compensation_preference}"
        return f"{self.partner}: {terms} until {self.effective_to}"


class Qualification(models.Model):
    """A channel account manager's Scale / Skill / Will assessment of a partner, dated."""

    class OppTrait(models.TextChoices):
        IDEAL_CUSTOMERS = "ideal_customers", _("Sells to our ideal customer profile")
        COMPLEMENTARY_STACK = "complementary_stack", _("Complementary solution stack")
        SERVICES_CAPABILITY = "services_capability", _("Services and delivery capability")
        GEOGRAPHIC_COVERAGE = "geographic_coverage", _("Covers a region we need")
        VERTICAL_EXPERTISE = "vertical_expertise", _("Vertical expertise we lack")
        NO_COMPETING_LINE = "no_competing_line", _("No competing product line")

    SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="qualifications")
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scale = models.PositiveSmallIntegerField(
        _("scale (customer base)"), validators=SCORE_VALIDATORS
    )
    scale_notes = models.TextField(_("scale notes"), blank=True)
    skill = models.PositiveSmallIntegerField(
        _("skill (technical alignment)"), validators=SCORE_VALIDATORS
    )
    skill_notes = models.TextField(_("skill notes"), blank=True)
    will = models.PositiveSmallIntegerField(
        _("will (executive commitment)"), validators=SCORE_VALIDATORS
    )
    will_notes = models.TextField(_("will notes"), blank=True)
    opp_traits = models.JSONField(_("optimal partner profile traits"), default=list, blank=True)
    willingness_to_engage = models.PositiveSmallIntegerField(
        _("willingness to engage"), validators=SCORE_VALIDATORS
    )
    assessed_at = models.DateTimeField(_("assessed"), default=timezone.now)

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["-assessed_at", "-id"]
        get_latest_by = "assessed_at"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scale__range=(1, 5), skill__range=(1, 5), will__range=(1, 5))
                & models.Q(willingness_to_engage__range=(1, 5)),
                name="qualification_scores_1_to_5",
            )
        ]

    def __str__(self):
        return f"{self.partner}: S{self.scale}/S{self.skill}/W{self.will}"

    @property
    def focus_score(self):
        """Scale × Skill × Will (1–125): weak on any one dimension pulls the partner down."""
        return self.scale * self.skill * self.will


class Application(StatusMachineMixin):
    """A "become a partner" application. The applying company is a ``Partner`` in ``applied``."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    TRANSITIONS = {
        Status.SUBMITTED: {Status.APPROVED, Status.DECLINED},
        Status.APPROVED: set(),
        Status.DECLINED: set(),
    }

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="application")
    contact_name = models.CharField(_("contact name"), max_length=150)
    contact_email = models.EmailField(_("contact email"))
    contact_title = models.CharField(_("contact title"), max_length=120, blank=True)
    customer_count = models.PositiveIntegerField(_("number of customers"), default=0)
    technical_staff = models.PositiveIntegerField(_("technical staff"), default=0)
    executive_sponsor = models.CharField(_("executive sponsor"), max_length=150, blank=True)
    message = models.TextField(_("why partner with us"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at", "-id"]

    def __str__(self):
        return f"{self.partner} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("partners:application_review", args=[self.pk])


class Agreement(models.Model):
    """A version of the partner program agreement. The newest ``effective_at`` is current."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    effective_at = models.DateTimeField(_("effective"), default=timezone.now)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-effective_at"]
        get_latest_by = "effective_at"

    def __str__(self):
        return f"{self.title} v{self.version}"


class AgreementAcceptance(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="acceptances")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="acceptances")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agreement acceptance")
        verbose_name_plural = _("agreement acceptances")
        constraints = [
            models.UniqueConstraint(fields=["partner", "agreement"], name="uniq_acceptance")
        ]

    def __str__(self):
        return f"{self.partner} accepted {self.agreement}"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(
        _("role"), max_length=10, choices=PartnerMembership.Role.choices, default="rep"
    )
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.SET_NULL)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.partner}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )
