"""Admin for deal registrations. Status changes go through the services (with the acting admin
as the actor), so the admin never bypasses the rules or the audit trail."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from prm.admin import ReadOnlyAdminMixin
from prm.exceptions import DomainError

from . import services
from .models import DealImport, DealProgramSettings, DealRegistration, ExtensionRequest


@admin.register(DealProgramSettings)
class DealProgramSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "protection_days",
        "extension_policy",
        "approval_sla_business_days",
        "max_resubmissions",
    ]
    fieldsets = [
        (_("Protection"), {"fields": ["protection_days", "expiry_reminder_days"]}),
        (_("Extensions"), {"fields": ["extension_policy", "extension_days"]}),
        (
            _("Review"),
            {"fields": ["approval_sla_business_days", "sla_reminder_hours", "max_resubmissions"]},
        ),
        (_("Leads"), {"fields": ["lead_accept_hours"]}),
    ]

    def has_add_permission(self, request):
        # One row (pk=1), created on first use by DealProgramSettings.current().
        return not DealProgramSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    # Program ops own the program rules: with staff access they may view and change them
    # without being granted model permissions one by one. The admin also asks these questions
    # for anonymous visitors (the login page lists the apps), who have no role at all.
    def has_module_permission(self, request):
        return _is_program_ops(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _is_program_ops(request) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_program_ops(request) or super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # The service checks the actor and writes the audit row, as for any other change.
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        services.update_program_settings(actor=request.user, **changes)


def _run(modeladmin, request, queryset, action, done: str):
    succeeded = 0
    for obj in queryset.order_by("pk"):
        try:
            action(obj)
        except DomainError as exc:
            modeladmin.message_user(request, f"#{obj.pk}: {exc.message}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, done % {"n": succeeded}, messages.SUCCESS)


class ExtensionRequestInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ExtensionRequest
    extra = 0
    fields = ["requested_at", "requested_by", "reason", "status", "decided_by", "decision_reason"]


@admin.register(DealRegistration)
class DealRegistrationAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "customer_name",
        "partner",
        "status",
        "estimated_amount",
        "currency",
        "first_submitted_at",
        "sla_due_at",
        "protected_until",
    ]
    list_filter = ["status", "sourcing", "engagement", "currency"]
    search_fields = ["customer_name", "customer_domain", "external_ref", "partner__display_name"]
    list_select_related = ["partner"]
    date_hierarchy = "created_at"
    inlines = [ExtensionRequestInline]
    actions = ["approve", "withdraw", "expire_due", "process_sla_now"]

    def get_readonly_fields(self, request, obj=None):
        # Every field is read-only: changes go through the portal or the actions below.
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Approve selected registrations (as me)"))
    def approve(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda r: services.approve_registration(
                registration=r, actor=request.user, reason="Approved in the admin"
            ),
            _("Approved %(n)d registration(s)."),
        )

    @admin.action(description=_("Withdraw selected registrations (as me)"))
    def withdraw(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda r: services.withdraw_registration(
                registration=r, actor=request.user, reason="Withdrawn in the admin"
            ),
            _("Withdrew %(n)d registration(s)."),
        )

    @admin.action(description=_("Run the expiry job now (all registrations)"))
    def expire_due(self, request, queryset):
        count = services.expire_registrations()
        self.message_user(request, _("Expired %(n)d registration(s).") % {"n": count})

    @admin.action(description=_("Run the SLA reminders and escalations now (all)"))
    def process_sla_now(self, request, queryset):
        result = services.process_sla()
        self.message_user(
            request,
            _("Sent %(r)d reminder(s), escalated %(e)d.")
            % {"r": result["reminded"], "e": result["escalated"]},
        )


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(admin.ModelAdmin):
    list_display = ["registration", "status", "requested_by", "requested_at", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["registration", "registration__partner", "requested_by", "decided_by"]
    search_fields = ["registration__customer_name", "reason"]
    actions = ["grant"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Grant selected extensions (as me)"))
    def grant(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda e: services.decide_extension(
                extension=e, actor=request.user, approve=True, reason="Granted in the admin"
            ),
            _("Granted %(n)d extension(s)."),
        )


@admin.register(DealImport)
class DealImportAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "partner",
        "uploaded_by",
        "filename",
        "created_count",
        "duplicate_count",
        "failed_count",
    ]
    list_select_related = ["partner", "uploaded_by"]
    search_fields = ["filename", "partner__display_name"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False


# Leads, conflicts and the vendor's CRM records have their own admin module; importing it here
# registers those models when Django discovers ``deals.admin``.
from . import admin_leads  # noqa: E402, F401


def _is_program_ops(request) -> bool:
    return getattr(request.user, "is_program_ops", False)


from .commissions import admin as commissions_admin  # noqa: E402, F401
