"""The commission engine in the admin, read-only: plans, rules, spiffs, overrides, runs, lines,
statements and payouts change through the services (portal, API, jobs), which version plans,
enforce floors and write the audit trail."""

from django.contrib import admin

from .models import (
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
from .repcredit.models import RepTerritory


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CommissionPlan)
class CommissionPlanAdmin(ReadOnlyAdmin):
    list_display = ["name", "created_at"]


@admin.register(CommissionPlanVersion)
class CommissionPlanVersionAdmin(ReadOnlyAdmin):
    list_display = ["plan", "number", "effective_from", "effective_to"]
    list_select_related = ["plan"]


@admin.register(CommissionRule)
class CommissionRuleAdmin(ReadOnlyAdmin):
    list_display = ["name", "version", "kind", "business_model", "engagement", "rate", "amount",
                    "floor_rate", "floor_amount", "priority"]  # fmt: skip
    list_select_related = ["version__plan"]


@admin.register(Spiff)
class SpiffAdmin(ReadOnlyAdmin):
    list_display = ["name", "starts_on", "ends_on", "threshold_amount", "extra_rate", "tie_policy"]


@admin.register(CommissionOverride)
class CommissionOverrideAdmin(ReadOnlyAdmin):
    list_display = ["deal", "rule", "rate", "amount", "below_floor", "status", "requested_by"]
    list_select_related = ["deal__partner", "rule", "requested_by"]


@admin.register(CommissionRun)
class CommissionRunAdmin(ReadOnlyAdmin):
    list_display = ["period", "status", "rows_done", "rows_total", "lines_created", "created_at"]


@admin.register(StatementApproval)
class StatementApprovalAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "status", "done", "total", "succeeded", "requested_by"]


@admin.register(CommissionLine)
class CommissionLineAdmin(ReadOnlyAdmin):
    list_display = ["deal", "partner", "period", "kind", "currency", "amount", "status",
                    "hold_until"]  # fmt: skip
    list_filter = ["period", "status", "kind"]
    list_select_related = ["deal__partner", "partner"]
    show_full_result_count = False


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ["partner", "period", "currency", "status", "approved_at"]
    list_filter = ["period", "status"]
    list_select_related = ["partner"]


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["partner", "currency", "amount", "paid_on", "external_reference"]
    list_select_related = ["partner"]


@admin.register(RepTerritory)
class RepTerritoryAdmin(ReadOnlyAdmin):
    """Edited on the ops page (``deals:rep_territory_list``), which audits each change."""

    list_display = ["country", "region", "rep_name", "rep_email", "updated_at"]
    list_filter = ["region"]
