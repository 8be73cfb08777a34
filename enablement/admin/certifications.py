"""Admin for courses, certifications and reference implementations.

The catalogue (tracks, courses, certifications) and the program setting are edited here.
Person certifications, reference implementations and imports change only through the services
(which audit every change), so the admin shows them read-only.
"""

from django.contrib import admin

from prm.admin import ReadOnlyAdminMixin

from .. import services
from ..models import (
    Certification,
    CertificationImport,
    Course,
    EnablementSettings,
    PersonCertification,
    ReferenceImplementation,
    Track,
)


class CourseInline(admin.TabularInline):
    model = Course
    extra = 0
    fields = ["position", "code", "title", "role", "duration_minutes", "url", "business_models"]


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "position"]
    list_filter = ["role"]
    search_fields = ["name"]
    inlines = [CourseInline]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "track", "role", "duration_minutes"]
    list_filter = ["role", "track"]
    search_fields = ["code", "title"]
    list_select_related = ["track"]


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "validity_months", "points", "course"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    list_select_related = ["course"]
    autocomplete_fields = ["course"]


@admin.register(PersonCertification)
class PersonCertificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "partner", "certification", "earned_on", "expires_on", "status"]
    list_filter = ["status", "source", "certification__kind"]
    search_fields = ["user__email", "user__full_name", "partner__display_name", "external_id"]
    list_select_related = ["user", "partner", "certification"]
    date_hierarchy = "earned_on"


@admin.register(ReferenceImplementation)
class ReferenceImplementationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["partner", "customer_name", "completed_on", "status", "decided_by"]
    list_filter = ["status"]
    search_fields = ["partner__display_name", "customer_name"]
    list_select_related = ["partner", "decided_by"]


@admin.register(CertificationImport)
class CertificationImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["file_name", "created_at", "imported_by", "imported", "unchanged", "failed"]
    list_select_related = ["imported_by"]


@admin.register(EnablementSettings)
class EnablementSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "expiry_warning_days"]

    def has_add_permission(self, request):
        return not EnablementSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The service checks the actor and writes the audit row.
        services.update_enablement_settings(
            actor=request.user, expiry_warning_days=form.cleaned_data["expiry_warning_days"]
        )
