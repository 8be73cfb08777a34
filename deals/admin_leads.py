"""Admin for lead routing rules, leads, vendor accounts and opportunities, and conflicts.

Routing rules are configuration and are edited here. Leads, conflicts and the vendor's CRM
records change only through their services (with the acting admin as the actor), so their
status and decision fields are read-only and the actions call the services.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from prm.admin import ReadOnlyAdminMixin
from prm.exceptions import DomainError

from .leads import services as lead_services
from .models import (
    CustomerAccount,
    DealConflict,
    Lead,
    LeadOffer,
    LeadRoutingRule,
    Opportunity,
)


@admin.register(LeadRoutingRule)
class LeadRoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "priority", "is_active", "min_tier_rank", "specialty"]
    list_editable = ["priority", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "specialty"]
    ordering = ["priority", "id"]


class LeadOfferInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LeadOffer
    extra = 0
    fields = ["partner", "offered_at", "accept_by", "outcome", "responded_at", "reason"]


@admin.register(LeadOffer)
class LeadOfferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Offer history across leads, for acceptance metrics; written only by the lead services."""

    list_display = ["lead", "partner", "offered_at", "accept_by", "outcome", "responded_at"]
    list_filter = ["outcome"]
    search_fields = ["lead__company_name", "partner__display_name"]
    list_select_related = ["lead", "partner"]
    readonly_fields = [f.name for f in LeadOffer._meta.fields]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["company_name", "country", "status", "partner", "accept_by", "created_at"]
    list_filter = ["status", "country"]
    search_fields = ["company_name", "contact_name", "contact_email"]
    list_select_related = ["partner"]
    inlines = [LeadOfferInline]
    readonly_fields = [
        "status",
        "partner",
        "routing_rule",
        "offered_at",
        "accept_by",
        "responded_at",
        "rejection_reason",
        "created_by",
        "created_at",
    ]
    actions = ["route_selected"]

    def has_add_permission(self, request):
        # New leads are created in the portal or the API, which validate and audit them.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Route the selected leads by the rules"))
    def route_selected(self, request, queryset):
        routed = 0
        for lead in queryset.order_by("pk"):
            try:
                routed += lead_services.route_lead(lead=lead, actor=request.user) is not None
            except DomainError as exc:
                self.message_user(request, f"#{lead.pk}: {exc.message}", messages.ERROR)
        self.message_user(request, _("%(n)d lead(s) offered.") % {"n": routed})


@admin.register(DealConflict)
class DealConflictAdmin(admin.ModelAdmin):
    list_display = ["registration", "existing_registration", "existing_opportunity", "score"]
    list_display += ["resolution", "resolved_by"]
    list_filter = ["resolution"]
    list_select_related = [
        "registration__partner",
        "existing_registration__partner",
        "existing_opportunity",
        "resolved_by",
    ]
    raw_id_fields = ["registration", "existing_registration", "existing_opportunity"]

    def get_readonly_fields(self, request, obj=None):
        # Decisions are taken on the comparison page, which checks rights and audits them.
        return [f.name for f in DealConflict._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyCrmAdmin(admin.ModelAdmin):
    """Kept in step with the vendor's CRM through the API (``PUT …/{crm_id}/``)."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CustomerAccount)
class CustomerAccountAdmin(ReadOnlyCrmAdmin):
    list_display = ["name", "crm_id", "domain", "country", "updated_at"]
    search_fields = ["name", "crm_id", "domain"]


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyCrmAdmin):
    list_display = ["name", "crm_id", "account", "stage", "amount", "currency", "updated_at"]
    list_filter = ["stage"]
    search_fields = ["name", "crm_id", "account__name"]
    list_select_related = ["account"]
