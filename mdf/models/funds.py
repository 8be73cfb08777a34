"""Funds and the append-only ledger every MDF balance is derived from.

Why a partner can never spend more than is available, even with concurrent requests:

1. Every entry carries the fund's running balances after it (``available_after``,
   ``committed_after``) and a ``sequence`` number. ``(fund, sequence)`` is unique, so the
   entries of a fund form one chain: two writers that read the same last entry both try to
   insert the same next number and one of them fails. A CHECK constraint keeps both running
   balances at or above zero, and another ties each kind to the sign of its deltas, so a
   reservation can only ever move money from available to committed.
2. On PostgreSQL triggers (migration ``0003``) also check the arithmetic: an entry's balances
   must equal its predecessor's plus its own deltas (one set-based check per statement), and
   entries can be neither updated nor deleted. A stale or forged running balance is therefore
   refused by the database itself.
3. The ledger service (``mdf.ledger.services``) is the only writer. It takes ``SELECT … FOR
   UPDATE`` on the fund rows involved, always in ascending primary-key order (so two
   transactions never wait on each other in a cycle), reads the last entry and appends. With
   the lock held, writers queue instead of failing; the constraints above are the net under it.

Nothing else stores a balance: accrued, available, committed, paid and expired are sums of the
entries (or, equivalently, the running balances of a fund's last entry).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prm.money import CurrencyField, MoneyField


class Fund(models.Model):
    """A partner's MDF for one fiscal quarter, in the program currency."""

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="mdf_funds"
    )
    period = models.CharField(_("period"), max_length=10)  # "FY2027-Q1"
    starts_on = models.DateField(_("period starts"))
    ends_on = models.DateField(_("period ends"))
    # The last day the fund can be reserved from: the period's end, or later under a carry-over
    # rule of N days. Fixed when the fund opens, from the rule in force then.
    expires_on = models.DateField(_("expires"))
    currency = CurrencyField()
    created_at = models.DateTimeField(_("opened"), default=timezone.now)

    class Meta:
        verbose_name = _("MDF fund")
        verbose_name_plural = _("MDF funds")
        ordering = ["partner_id", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "period"], name="uniq_mdf_fund_period"),
            models.CheckConstraint(
                condition=Q(expires_on__gte=F("ends_on")) & Q(ends_on__gte=F("starts_on")),
                name="mdf_fund_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["expires_on"], name="mdf_fund_expires"),
            # The fund list's default order (newest first), read one page at a time.
            models.Index(fields=["-starts_on", "id"], name="mdf_fund_list_default"),
        ]

    def __str__(self):
        return f"{self.partner} {self.period}"


class LedgerEntry(models.Model):
    """One movement of a fund's money. Never updated or deleted; corrections are new entries."""

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", _("Accrual")
        ALLOCATION = "allocation", _("Discretionary allocation")
        CARRY_IN = "carry_in", _("Carried over from the previous period")
        RESERVATION = "reservation", _("Reserved for an approved request")
        RELEASE = "release", _("Released")
        PAYMENT = "payment", _("Paid")
        EXPIRY = "expiry", _("Expired")
        CARRY_OUT = "carry_out", _("Carried over to the next period")
        ADJUSTMENT = "adjustment", _("Adjustment")

    # (available delta, committed delta) as multiples of ``amount``, per kind.
    EFFECTS = {
        Kind.ACCRUAL: (1, 0),
        Kind.ALLOCATION: (1, 0),
        Kind.CARRY_IN: (1, 0),
        Kind.ADJUSTMENT: (1, 0),
        Kind.RESERVATION: (-1, 1),
        Kind.RELEASE: (1, -1),
        Kind.PAYMENT: (0, -1),
        Kind.EXPIRY: (-1, 0),
        Kind.CARRY_OUT: (-1, 0),
    }
    # Kinds a job writes at most once per fund and source month (re-running changes nothing).
    ONCE_PER_MONTH = (Kind.ACCRUAL, Kind.EXPIRY, Kind.CARRY_IN, Kind.CARRY_OUT)

    # Indexed by the unique (fund, sequence) constraint; no second index on the fund alone.
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries", db_index=False)
    sequence = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # Positive for every kind except adjustments, which may take money away.
    amount = MoneyField(_("amount"))
    available_delta = MoneyField(_("change to available"))
    committed_delta = MoneyField(_("change to committed"))
    available_after = MoneyField(_("available after"))
    committed_after = MoneyField(_("committed after"))
    # Indexed where set (``mdf_entry_request``): the jobs append thousands of entries without
    # a request, and an index of every entry would gain a null for each of them.
    request = models.ForeignKey(
        "mdf.FundRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,
    )
    payment = models.ForeignKey(
        "mdf.MdfPayment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,  # payments are never deleted; no lookup goes this way
    )
    # Accruals: the first day of the month accrued; expiry and carry-over: the period's end.
    source_month = models.DateField(_("for month"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # Not indexed: every index is paid for on each of the many rows the jobs append.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("MDF ledger entry")
        verbose_name_plural = _("MDF ledger entries")
        ordering = ["fund_id", "sequence"]
        indexes = [
            models.Index(
                fields=["request"], name="mdf_entry_request", condition=Q(request__isnull=False)
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["fund", "sequence"], name="uniq_mdf_entry_sequence"),
            models.UniqueConstraint(
                fields=["fund", "kind", "source_month"],
                condition=Q(source_month__isnull=False)
                & Q(kind__in=["accrual", "expiry", "carry_in", "carry_out"]),
                name="uniq_mdf_entry_job_month",
            ),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="mdf_entry_sequence_pos"),
            models.CheckConstraint(
                condition=Q(available_after__gte=0) & Q(committed_after__gte=0),
                name="mdf_entry_never_negative",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["accrual", "allocation", "carry_in"], amount__gt=0)
                    & Q(available_delta=F("amount"), committed_delta=0)
                )
                | (
                    Q(kind="adjustment")
                    & ~Q(amount=0)
                    & Q(available_delta=F("amount"), committed_delta=0)
                )
                | (
                    Q(kind="reservation", amount__gt=0)
                    & Q(available_delta=-F("amount"), committed_delta=F("amount"))
                )
                | (
                    Q(kind="release", amount__gt=0)
                    & Q(available_delta=F("amount"), committed_delta=-F("amount"))
                )
                | (
                    Q(kind="payment", amount__gt=0)
                    & Q(available_delta=0, committed_delta=-F("amount"))
                )
                | (
                    Q(kind__in=["expiry", "carry_out"], amount__gt=0)
                    & Q(available_delta=-F("amount"), committed_delta=0)
                ),
                name="mdf_entry_kind_effects",
            ),
        ]

    def __str__(self):
        return f"{self.fund} #{self.sequence} {self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Ledger entries are append-only.")
