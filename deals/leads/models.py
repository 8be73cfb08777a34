"""Leads the vendor passes to partners, the rules that route them and each offer made (part of
the ``deals`` app, imported by ``deals.models``)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prm.money import CurrencyField, MoneyField
from prm.statemachine import StatusMachineMixin


class LeadRoutingRule(models.Model):
    """Routes a new lead to the best matching active partner. Lower ``priority`` runs first;
    an empty criterion matches anything."""

    name = models.CharField(_("name"), max_length=120)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    countries = models.JSONField(_("countries"), default=list, blank=True)
    regions = models.JSONField(_("regions"), default=list, blank=True)
    business_models = models.JSONField(_("business models"), default=list, blank=True)
    min_tier_rank = models.PositiveSmallIntegerField(_("minimum tier rank"), null=True, blank=True)
    specialty = models.CharField(
        _("specialty"),
        max_length=120,
        blank=True,
        help_text=_(
            "Takes only leads needing it (their specialty or industry), and offers them to a "
            "partner whose solution stack or target sectors include it."
        ),
    )
    partners = models.ManyToManyField(
        "partners.Partner",
        verbose_name=_("target partners"),
        blank=True,
        related_name="+",
        help_text=_("Offer only to these partners; empty means any partner meeting the rule."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        app_label = "deals"
        verbose_name = _("lead routing rule")
        verbose_name_plural = _("lead routing rules")
        ordering = ["priority", "id"]

    def __str__(self):
        return self.name


class Lead(StatusMachineMixin):
    """A lead the vendor passes to a partner, who must accept it by a deadline."""

    class Status(models.TextChoices):
        NEW = "new", _("New (not yet passed)")
        OFFERED = "offered", _("Offered to partner")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected by partner")
        RECALLED = "recalled", _("Recalled (not accepted in time)")
        CONVERTED = "converted", _("Converted to a registration")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        Status.NEW: {Status.OFFERED, Status.CLOSED},
        Status.OFFERED: {Status.ACCEPTED, Status.REJECTED, Status.RECALLED},
        Status.REJECTED: {Status.OFFERED, Status.CLOSED},
        Status.RECALLED: {Status.OFFERED, Status.CLOSED},
        Status.ACCEPTED: {Status.CONVERTED, Status.CLOSED},
        Status.CONVERTED: set(),
        Status.CLOSED: set(),
    }

    company_name = models.CharField(_("company"), max_length=200)
    contact_name = models.CharField(_("contact"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    country = models.CharField(_("country"), max_length=2)
    region = models.CharField(_("region"), max_length=10, blank=True)
    industry = models.CharField(_("industry"), max_length=80, blank=True)
    specialty = models.CharField(_("specialty needed"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    estimated_amount = MoneyField(_("estimated amount"), null=True, blank=True)
    currency = CurrencyField()
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    # The vendor CRM's id for this lead; unique where set (NULL when unset).
    external_id = models.CharField(
        _("external id"), max_length=100, null=True, blank=True, unique=True
    )
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    routing_rule = models.ForeignKey(
        LeadRoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    offered_at = models.DateTimeField(_("offered"), null=True, blank=True)
    accept_by = models.DateTimeField(_("accept by"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "deals"
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "status"]),
            models.Index(fields=["updated_at", "id"], name="lead_sync_idx"),
            # The lead lists' default order, alone and within a status.
            models.Index(fields=["created_at", "id"], name="lead_list_created"),
            models.Index(fields=["status", "created_at", "id"], name="lead_list_status_created"),
            # The lead list's other orders (descending ones on empty-able columns: 0019).
            models.Index(fields=["company_name", "id"], name="lead_list_company"),
            models.Index(fields=["estimated_amount", "id"], name="lead_list_amount"),
            models.Index(fields=["accept_by", "id"], name="lead_list_accept_by"),
            models.Index(fields=["status", "id"], name="lead_list_status"),
            models.Index(
                fields=["accept_by"],
                name="lead_offered_deadline",
                condition=models.Q(status="offered"),
            ),
        ]

    def __str__(self):
        return self.company_name

    def get_absolute_url(self):
        return reverse("deals:lead_detail", args=[self.pk])

    @property
    def awaiting_answer(self) -> bool:
        """Offered and still within the time the partner has to accept."""
        return (
            self.status == self.Status.OFFERED
            and self.accept_by is not None
            and self.accept_by > timezone.now()
        )

    @property
    def deadline_passed(self) -> bool:
        """Offered, not answered in time, and not yet recalled by the scheduled job."""
        return (
            self.status == self.Status.OFFERED
            and self.accept_by is not None
            and self.accept_by <= timezone.now()
        )


class LeadOffer(models.Model):
    """One offer of a lead to one partner, kept for history and acceptance metrics."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        RECALLED = "recalled", _("Recalled")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="offers")
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="lead_offers"
    )
    offered_at = models.DateTimeField(default=timezone.now)
    accept_by = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    responded_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        app_label = "deals"
        verbose_name = _("lead offer")
        verbose_name_plural = _("lead offers")
        ordering = ["-offered_at"]
        indexes = [models.Index(fields=["partner", "outcome"])]

    def __str__(self):
        return f"{self.lead} → {self.partner}"


# The commission engine keeps its models in its own package, registered with this app.
