"""The commission ledger: calculation runs, the lines they write, statements per partner,
period and currency, their bulk approvals, and payouts (amounts and rates as in ``terms``)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prm.jobs import BatchJob
from prm.money import CurrencyField
from prm.statemachine import StatusMachineMixin

from .terms import CommissionPlanVersion, CommissionRule, Spiff, amount_field, rate_field

REVERSAL_REASON_LENGTH = 255


class CommissionRun(models.Model):
    """One calculation of a period, with progress the portal can poll."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    period = models.CharField(_("period"), max_length=10)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("deals to calculate"), default=0)
    rows_done = models.PositiveIntegerField(_("deals calculated"), default=0)
    lines_created = models.PositiveIntegerField(_("lines created"), default=0)
    lines_updated = models.PositiveIntegerField(_("lines updated"), default=0)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        app_label = "deals"
        verbose_name = _("commission run")
        verbose_name_plural = _("commission runs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.period} ({self.get_status_display()})"

    @property
    def percent_done(self) -> int:
        return 100 if not self.rows_total else min(100, self.rows_done * 100 // self.rows_total)


class Statement(StatusMachineMixin):
    """A partner's commissions for one period in one currency. Totals are derived from the
    lines and payouts (``deals.commissions.statements.statement_totals``), never stored."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")

    TRANSITIONS = {
        Status.DRAFT: {Status.APPROVED},
        Status.APPROVED: {Status.PAID},
        Status.PAID: set(),
    }

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="commission_statements"
    )
    period = models.CharField(_("period"), max_length=10)
    currency = CurrencyField()
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        app_label = "deals"
        verbose_name = _("commission statement")
        verbose_name_plural = _("commission statements")
        ordering = ["-period", "partner_id", "currency"]
        indexes = [
            # The API's default order (newest period first): a page is read from the index
            # instead of sorting every statement of every period.
            models.Index(fields=["-period", "partner", "currency", "id"], name="statement_list"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "period", "currency"], name="uniq_statement_partner_period"
            )
        ]

    def __str__(self):
        return f"{self.partner} {self.period} {self.currency}"


class StatementApproval(BatchJob):
    """Program ops approving many draft statements at once (every one a filter matches), as a
    job a worker runs in chunks with visible progress. ``item_ids`` are the statements' ids."""

    class Meta(BatchJob.Meta):
        app_label = "deals"
        verbose_name = _("bulk approval of statements")
        verbose_name_plural = _("bulk approvals of statements")

    def __str__(self):
        return str(_("Approving %(total)s statements") % {"total": self.total})


class Payout(models.Model):
    """Money sent to a partner against an approved statement."""

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="payouts")
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="commission_payouts"
    )
    currency = CurrencyField()
    amount = amount_field(_("amount"))
    paid_on = models.DateField(_("paid on"))
    external_reference = models.CharField(_("payment reference"), max_length=120)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        app_label = "deals"
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive")
        ]

    def __str__(self):
        return f"{self.currency} {self.amount} to {self.partner} ({self.external_reference})"


class CommissionLine(StatusMachineMixin):
    """One amount owed to (or clawed back from) a partner for one deal in one period.

    Unique per deal, period, rule and kind (per spiff for spiff lines): a re-run inserts
    nothing new. Paid lines are never edited; corrections are new adjustment or clawback lines
    in a later period.
    """

    class Kind(models.TextChoices):
        MARGIN = "margin", _("Resale margin")
        RESIDUAL = "residual", _("Residual commission")
        ONE_TIME = "one_time", _("Referral fee")
        SPIFF = "spiff", _("Spiff")
        ADJUSTMENT = "adjustment", _("Adjustment")
        CLAWBACK = "clawback", _("Clawback")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        HELD = "held", _("Held")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")
        REVERSED = "reversed", _("Reversed")

    TRANSITIONS = {
        Status.PENDING: {Status.HELD, Status.APPROVED, Status.REVERSED},
        Status.HELD: {Status.APPROVED, Status.REVERSED},
        Status.APPROVED: {Status.PAID, Status.REVERSED},
        Status.PAID: set(),
        Status.REVERSED: set(),
    }

    # Indexes are few on purpose (a run inserts hundreds of thousands of lines): the partner
    # is served by ``commline_statement``; spiff and payout, null on most lines, by partial ones.
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="commission_lines",
        db_index=False,
    )
    deal = models.ForeignKey(
        "deals.DealRegistration", on_delete=models.PROTECT, related_name="commission_lines"
    )
    period = models.CharField(_("period"), max_length=10)
    rule = models.ForeignKey(CommissionRule, on_delete=models.PROTECT, related_name="lines")
    # Looked up by version only to ask whether a version has paid lines (``plans``): a partial
    # index on paid lines serves that, and lines are inserted pending, so it costs no insert.
    plan_version = models.ForeignKey(
        CommissionPlanVersion, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    spiff = models.ForeignKey(
        Spiff,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,
    )
    currency = CurrencyField()
    base_amount = amount_field(_("base"))
    rate = rate_field(_("rate (%)"), null=True, blank=True)
    multiplier = models.DecimalField(_("tier multiplier"), max_digits=5, decimal_places=3)
    amount = amount_field(_("amount"))
    reason = models.CharField(_("why"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    hold_until = models.DateField(_("payable from"), null=True, blank=True)
    # Why program ops decided not to pay the line (``reverse_line``), shown to the partner. A
    # database default too: the calculation inserts its lines in SQL without naming it.
    reversal_reason = models.CharField(
        _("why reversed"),
        max_length=REVERSAL_REASON_LENGTH,
        blank=True,
        default="",
        db_default="",
    )
    # The run that wrote the line is a note for ops, not part of the ledger: no index and no
    # database-level check (a run inserts hundreds of thousands of lines, each would pay both);
    # deleting a run still clears it here (``SET_NULL`` is applied by Django).
    run = models.ForeignKey(
        CommissionRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lines",
        db_index=False,
        db_constraint=False,
    )
    payout = models.ForeignKey(
        Payout,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        app_label = "deals"
        verbose_name = _("commission line")
        verbose_name_plural = _("commission lines")
        ordering = ["period", "deal_id", "id"]
        indexes = [
            models.Index(fields=["partner", "currency", "period"], name="commline_statement"),
            models.Index(fields=["period", "status"], name="commline_period_status"),
            # The lines pages' order (newest period, then by deal): without it a page sorted a
            # whole period's lines (90,000 at scale, spilling to disk) to show 50.
            models.Index(fields=["-period", "deal", "id"], name="commline_list"),
            models.Index(
                fields=["plan_version"], name="commline_paid_version", condition=Q(status="paid")
            ),
            models.Index(fields=["spiff"], name="commline_spiff", condition=Q(spiff__isnull=False)),
            models.Index(
                fields=["payout"], name="commline_payout", condition=Q(payout__isnull=False)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "period", "rule", "kind"],
                condition=Q(spiff__isnull=True),
                name="uniq_commline_deal_period_rule_kind",
            ),
            models.UniqueConstraint(
                fields=["deal", "period", "rule", "kind", "spiff"],
                condition=Q(spiff__isnull=False),
                name="uniq_commline_spiff",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.currency} {self.amount} ({self.period})"
