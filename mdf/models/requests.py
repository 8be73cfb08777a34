"""The activity menu, fund requests (pre-approval), claims with proof of performance, claim
extensions and payments. Amounts are in the program currency, as the funds are."""

import posixpath
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prm.money import CurrencyField, MoneyField
from prm.statemachine import StatusMachineMixin


class ProofKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    ATTENDEE_LIST = "attendee_list", _("Attendee list")
    SCREENSHOTS = "screenshots", _("Screenshots")
    LEAD_LIST = "lead_list", _("Lead list")


class ActivityType(models.Model):
    """An entry of the activity menu program ops configure."""

    class Category(models.TextChoices):
        EVENT = "event", _("Event")
        WEBINAR = "webinar", _("Webinar")
        DIGITAL = "digital", _("Digital campaign")
        CONTENT = "content", _("Content")
        TRAINING = "training", _("Training and certification fees")

    name = models.CharField(_("name"), max_length=120, unique=True)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    description = models.TextField(_("description"), blank=True)
    max_vendor_share = models.DecimalField(
        _("largest vendor share (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    required_proof = models.JSONField(_("proof of performance required"), default=list)
    # Business models the activity is open to; empty means every model.
    business_models = models.JSONField(_("open to business models"), default=list, blank=True)
    is_active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("MDF activity type")
        verbose_name_plural = _("MDF activity types")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_vendor_share__gt=0) & Q(max_vendor_share__lte=100),
                name="mdf_activity_share_range",
            )
        ]

    def __str__(self):
        return self.name

    def is_open_to(self, business_model: str) -> bool:
        return not self.business_models or business_model in self.business_models

    def required_proof_labels(self) -> list[str]:
        labels = dict(ProofKind.choices)
        return [str(labels.get(kind, kind)) for kind in self.required_proof]


class FundRequest(StatusMachineMixin):
    """A partner's request to spend MDF on an activity, and its claim afterwards.

    Approval reserves the approved amount on one of the partner's funds; cancelling, a claim
    approved for less, a rejected claim or a lapsed claim releases what is not used.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        AWAITING_OPS = "awaiting_ops", _("Approved by the CAM, waiting for program ops")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")
        CANCELLED = "cancelled", _("Cancelled")
        CLAIM_SUBMITTED = "claim_submitted", _("Claim submitted")
        CLAIM_RETURNED = "claim_returned", _("Claim returned for changes")
        CLAIM_APPROVED = "claim_approved", _("Claim approved")
        CLAIM_REJECTED = "claim_rejected", _("Claim rejected")
        LAPSED = "lapsed", _("Claim not submitted in time")
        PAID = "paid", _("Paid")

    S = Status
    TRANSITIONS = {
        S.DRAFT: {S.SUBMITTED, S.CANCELLED},
        S.SUBMITTED: {S.RETURNED, S.AWAITING_OPS, S.APPROVED, S.DENIED, S.CANCELLED},
        S.RETURNED: {S.SUBMITTED, S.CANCELLED},
        S.AWAITING_OPS: {S.APPROVED, S.DENIED, S.RETURNED, S.CANCELLED},
        S.APPROVED: {S.CLAIM_SUBMITTED, S.CANCELLED, S.LAPSED},
        S.CLAIM_SUBMITTED: {S.CLAIM_APPROVED, S.CLAIM_RETURNED, S.CLAIM_REJECTED},
        S.CLAIM_RETURNED: {S.CLAIM_SUBMITTED, S.LAPSED},
        S.CLAIM_APPROVED: {S.PAID},
        S.DENIED: set(),
        S.CANCELLED: set(),
        S.CLAIM_REJECTED: set(),
        S.LAPSED: set(),
        S.PAID: set(),
    }
    # States in which an approved amount is reserved on the fund.
    RESERVED_STATES = (S.APPROVED, S.CLAIM_SUBMITTED, S.CLAIM_RETURNED, S.CLAIM_APPROVED)
    # States waiting for a vendor decision on the request.
    DECISION_STATES = (S.SUBMITTED, S.AWAITING_OPS)
    EDITABLE_STATES = (S.DRAFT, S.RETURNED)
    # States in which the partner claims (or claims again, once a claim came back).
    CLAIMABLE_STATES = (S.APPROVED, S.CLAIM_RETURNED)

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="mdf_requests"
    )
    activity_type = models.ForeignKey(
        ActivityType, on_delete=models.PROTECT, related_name="requests"
    )
    title = models.CharField(_("activity"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    currency = CurrencyField()
    planned_cost = MoneyField(_("planned total cost"))
    partner_contribution = MoneyField(_("partner contribution"))
    requested_amount = MoneyField(_("requested vendor amount"))
    approved_amount = MoneyField(_("approved vendor amount"), null=True, blank=True)
    target_audience = models.CharField(_("target audience"), max_length=300, blank=True)
    expected_leads = models.PositiveIntegerField(_("expected leads"), default=0)
    expected_pipeline = MoneyField(_("expected pipeline"), default=Decimal(0))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    needs_ops = models.BooleanField(_("needs program ops"), default=False)
    # The fund the approved amount is reserved on.
    fund = models.ForeignKey(
        "mdf.Fund", null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decision_due_at = models.DateTimeField(_("decision due"), null=True, blank=True)
    cam_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cam_approved_at = models.DateTimeField(_("approved by the CAM"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    claim_due_on = models.DateField(_("claim due"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("fund request")
        verbose_name_plural = _("fund requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "status"], name="mdf_request_partner_status"),
            models.Index(fields=["status", "decision_due_at"], name="mdf_request_queue"),
            models.Index(fields=["status", "claim_due_on"], name="mdf_request_claim_due"),
            # The request lists read one page in the order asked for (each index serves both
            # directions), instead of sorting every request.
            models.Index(fields=["created_at", "id"], name="mdf_request_list_created"),
            models.Index(fields=["submitted_at", "id"], name="mdf_request_list_submitted"),
            models.Index(fields=["decision_due_at", "id"], name="mdf_request_list_due"),
            models.Index(fields=["claim_due_on", "id"], name="mdf_request_list_claim_due"),
            # The API's ?pagination=cursor walks requests in (updated_at, id) order.
            models.Index(fields=["updated_at", "id"], name="mdf_request_sync_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="mdf_request_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(planned_cost__gt=0)
                & Q(requested_amount__gt=0)
                & Q(partner_contribution__gte=0),
                name="mdf_request_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | (Q(approved_amount__gt=0) & Q(approved_amount__lte=F("requested_amount"))),
                name="mdf_request_approved_within_requested",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.partner})"

    def get_absolute_url(self):
        # The portal page is named ``mdf:request_detail``; without the pages installed (the
        # API alone), notifications carry no link.
        try:
            return reverse("mdf:request_detail", args=[self.pk])
        except NoReverseMatch:
            return ""

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATES

    def activity_over(self, today=None) -> bool:
        """Whether the activity has ended (its last day counts): a claim is proof of what took
        place, so it is submitted from then on."""
        return self.ends_on <= (today or timezone.localdate())

    @property
    def reserved_amount(self) -> Decimal:
        """What the approval reserved (zero before approval)."""
        return self.approved_amount or Decimal(0)


class Claim(StatusMachineMixin):
    """What the activity cost and achieved, with its proof; one per request. A returned claim
    is corrected and submitted again."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.APPROVED, Status.RETURNED, Status.REJECTED},
        Status.RETURNED: {Status.SUBMITTED},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
    }

    request = models.OneToOneField(FundRequest, on_delete=models.PROTECT, related_name="claim")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    actual_cost = MoneyField(_("actual total cost"))
    claimed_amount = MoneyField(_("claimed vendor amount"))
    approved_amount = MoneyField(_("approved amount"), null=True, blank=True)
    leads = models.PositiveIntegerField(_("leads generated"), default=0)
    pipeline = MoneyField(_("pipeline generated"), default=Decimal(0))
    notes = models.TextField(_("notes"), blank=True)
    registrations = models.ManyToManyField(
        "deals.DealRegistration",
        blank=True,
        related_name="mdf_claims",
        verbose_name=_("linked deal registrations"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(actual_cost__gt=0) & Q(claimed_amount__gt=0),
                name="mdf_claim_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | (Q(approved_amount__gte=0) & Q(approved_amount__lte=F("claimed_amount"))),
                name="mdf_claim_approved_within_claimed",
            ),
        ]

    def __str__(self):
        return f"Claim for {self.request}"


class ProofStorage(FileSystemStorage):
    """Proof files live outside MEDIA_ROOT (never served as static media): only the download
    view, after the scope check, reads them. The location follows the settings at each use, so
    tests that move MEDIA_ROOT move it too."""

    @property
    def base_location(self):
        return getattr(settings, "PRM_PRIVATE_MEDIA_ROOT", None) or posixpath.join(
            posixpath.dirname(str(settings.MEDIA_ROOT).rstrip("/")), "private-media"
        )

    @property
    def location(self):
        return posixpath.abspath(self.base_location)

    @property
    def base_url(self):
        return None


proof_storage = ProofStorage()


def proof_upload_to(instance, filename: str) -> str:
    """A generated storage name: nothing of the uploader's file name reaches the disk."""
    extension = posixpath.splitext(filename)[1].lower()[:8]
    return f"mdf/proof/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


class ProofFile(models.Model):
    """One proof-of-performance file of a claim, checked by content before it is stored."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="proof_files")
    kind = models.CharField(_("proof"), max_length=16, choices=ProofKind.choices)
    file = models.FileField(
        _("file"), upload_to=proof_upload_to, storage=proof_storage, max_length=200
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("proof file")
        verbose_name_plural = _("proof files")
        ordering = ["claim_id", "kind", "id"]

    def __str__(self):
        return self.original_name


class ClaimExtension(StatusMachineMixin):
    """A partner's request for more time to claim, decided by the channel account manager."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")

    TRANSITIONS = {
        Status.PENDING: {Status.APPROVED, Status.DENIED},
        Status.APPROVED: set(),
        Status.DENIED: set(),
    }

    request = models.ForeignKey(
        FundRequest, on_delete=models.CASCADE, related_name="claim_extensions"
    )
    requested_until = models.DateField(_("claim by"))
    previous_due_on = models.DateField(_("was due"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)

    class Meta:
        verbose_name = _("claim extension")
        verbose_name_plural = _("claim extensions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="pending"),
                name="one_pending_claim_extension",
            ),
            models.CheckConstraint(
                condition=Q(requested_until__gt=F("previous_due_on")),
                name="mdf_extension_later",
            ),
        ]

    def __str__(self):
        return f"Extension for {self.request} to {self.requested_until}"


class MdfPayment(models.Model):
    """Money sent to a partner for an approved claim, recorded by program ops."""

    request = models.OneToOneField(FundRequest, on_delete=models.PROTECT, related_name="payment")
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="mdf_payments"
    )
    amount = MoneyField(_("amount"))
    currency = CurrencyField()
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("payment reference"), max_length=120)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("MDF payment")
        verbose_name_plural = _("MDF payments")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="mdf_payment_amount_positive")
        ]

    def __str__(self):
        return f"{self.currency} {self.amount} ({self.reference})"
