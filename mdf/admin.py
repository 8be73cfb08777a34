"""MDF in the admin, read-only: funds, the ledger, the menu, requests, claims, extensions and
payments change only through the services (portal, API, jobs), which lock, check the ledger and
write the audit trail. Proof files are listed by name only: they are opened through the portal's
scoped download, never from here."""

from django.contrib import admin

from prm.admin import ReadOnlyAdminMixin

from .models import (
    ActivityType,
    Claim,
    ClaimExtension,
    Fund,
    FundRequest,
    LedgerEntry,
    MdfPayment,
    MdfSettings,
    ProofFile,
)


@admin.register(MdfSettings)
class MdfSettingsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "carry_over", "claim_window_days", "ops_approval_threshold"]


@admin.register(Fund)
class FundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["partner", "period", "starts_on", "ends_on", "expires_on", "currency"]
    list_filter = ["period"]
    search_fields = ["partner__display_name"]
    list_select_related = ["partner"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["fund", "sequence", "kind", "amount", "available_after", "committed_after",
                    "request", "created_at"]  # fmt: skip
    list_filter = ["kind"]
    search_fields = ["fund__partner__display_name", "reason"]
    list_select_related = ["fund", "fund__partner", "request"]
    raw_id_fields = ["fund", "request", "payment", "actor"]


@admin.register(ActivityType)
class ActivityTypeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "category", "max_vendor_share", "is_active"]
    list_filter = ["category", "is_active"]


@admin.register(FundRequest)
class FundRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "partner", "status", "requested_amount", "approved_amount",
                    "submitted_at", "claim_due_on"]  # fmt: skip
    list_filter = ["status", "activity_type"]
    search_fields = ["title", "partner__display_name"]
    list_select_related = ["partner"]
    raw_id_fields = ["partner", "fund", "created_by", "decided_by", "cam_approved_by"]


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["request", "status", "claimed_amount", "approved_amount", "submitted_at"]
    list_filter = ["status"]
    list_select_related = ["request", "request__partner"]
    raw_id_fields = ["request", "registrations", "submitted_by", "decided_by"]


@admin.register(ClaimExtension)
class ClaimExtensionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["request", "requested_until", "previous_due_on", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["request", "requested_by", "decided_by"]


@admin.register(MdfPayment)
class MdfPaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "partner", "request", "amount", "currency", "paid_on"]
    search_fields = ["reference", "partner__display_name"]
    list_select_related = ["partner"]
    raw_id_fields = ["request", "partner", "recorded_by"]


@admin.register(ProofFile)
class ProofFileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "kind", "claim", "content_type", "size", "uploaded_at"]
    list_filter = ["kind"]
    exclude = ["file"]
    list_select_related = ["claim", "claim__request", "claim__request__partner"]
    raw_id_fields = ["claim", "uploaded_by"]
