from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import (
    ApiKey,
    AuditEvent,
    ChannelTeam,
    EmailDelivery,
    IdempotencyRecord,
    Notification,
    NotificationPreference,
    User,
)


class ReadOnlyAdminMixin:
    """For records only services write (the audit trail, histories, usage rows, decisions):
    administrators may look but never add, change or delete, so no change skips its audit row.
    Works for model admins and inlines alike."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "internal_role", "team", "is_active", "is_staff"]
    list_filter = ["internal_role", "team", "is_active", "is_staff", "is_service_account"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "internal_role", "team", "is_service_account")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(ChannelTeam)
class ChannelTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "segment", "lead"]
    search_fields = ["name"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the trail is append-only, even for administrators."""

    list_display = ["created_at", "actor_label", "verb", "object_repr", "from_state", "to_state"]
    list_filter = ["verb", "content_type"]
    search_fields = ["object_repr", "actor_label", "reason", "request_id"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__email"]
    raw_id_fields = ["user"]


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    """Read-only: the outbox is written by ``notify`` and the sending task, never by hand."""

    list_display = ["created_at", "recipient", "kind", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient", "subject", "last_error"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "email", "in_portal"]
    raw_id_fields = ["user"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "principal", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    raw_id_fields = ["principal", "created_by"]

    def has_add_permission(self, request):
        # Keys are issued by ``manage.py create_api_key`` or the portal: the secret is shown once.
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["key", "principal", "endpoint", "response_status", "created_at"]
    raw_id_fields = ["principal"]


from .currency import admin as currency_admin  # noqa: E402, F401
