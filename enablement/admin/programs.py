"""Admin for onboarding, joint business plans, content and business cases.

Ops configure here: onboarding checklists, library assets (uploads checked like the portal's)
and business-case models (formulas validated on save, errors shown on the field). Plans,
onboarding checks, saved cases and usage rows change only through the portal's services, which
audit every change, so the admin shows them read-only.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from prm.admin import ReadOnlyAdminMixin

from ..business_cases import services as case_services
from ..content import services as content_services
from ..content import uploads
from ..models import (
    Asset,
    AssetUsage,
    BusinessCase,
    BusinessCaseModel,
    BusinessCaseUsage,
    JointBusinessPlan,
    OnboardingCheck,
    OnboardingProgress,
    OnboardingStep,
    OnboardingTemplate,
    PlanCheckIn,
    PlanInitiative,
    PlanTarget,
)

# --- Onboarding -------------------------------------------------------------------------------


class OnboardingStepInline(admin.TabularInline):
    model = OnboardingStep
    extra = 0
    fields = ["position", "kind", "title", "description", "required_count"]


@admin.register(OnboardingTemplate)
class OnboardingTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "business_model", "created_at"]
    search_fields = ["name"]
    inlines = [OnboardingStepInline]


@admin.register(OnboardingStep)
class OnboardingStepAdmin(admin.ModelAdmin):
    list_display = ["title", "template", "position", "kind", "required_count"]
    list_filter = ["kind", "template"]
    list_select_related = ["template"]


class OnboardingCheckInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OnboardingCheck
    fields = ["step", "checked_by", "checked_at", "note"]
    readonly_fields = fields


@admin.register(OnboardingProgress)
class OnboardingProgressAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["partner", "template", "started_at", "started_by"]
    search_fields = ["partner__display_name"]
    list_select_related = ["partner", "template", "started_by"]
    inlines = [OnboardingCheckInline]


@admin.register(OnboardingCheck)
class OnboardingCheckAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["progress", "step", "checked_by", "checked_at"]
    list_select_related = ["progress__partner", "step", "checked_by"]


# --- Joint business plans ---------------------------------------------------------------------


class PlanTargetInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PlanTarget
    fields = ["metric", "description", "target_value", "owner", "due_quarter"]
    readonly_fields = fields


class PlanInitiativeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PlanInitiative
    fields = ["title", "owner", "starts_on", "ends_on"]
    readonly_fields = fields


class PlanCheckInInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PlanCheckIn
    fields = ["scheduled_on", "agenda", "held_on", "notes", "notes_by"]
    readonly_fields = fields


@admin.register(JointBusinessPlan)
class JointBusinessPlanAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["partner", "fiscal_year", "version", "status", "title", "approved_at"]
    list_filter = ["status", "fiscal_year"]
    search_fields = ["partner__display_name", "title"]
    list_select_related = ["partner"]
    inlines = [PlanTargetInline, PlanInitiativeInline, PlanCheckInInline]


@admin.register(PlanTarget)
class PlanTargetAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["plan", "metric", "target_value", "owner", "due_quarter"]
    list_select_related = ["plan__partner"]


@admin.register(PlanInitiative)
class PlanInitiativeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["plan", "title", "owner", "starts_on", "ends_on"]
    list_select_related = ["plan__partner"]


@admin.register(PlanCheckIn)
class PlanCheckInAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["plan", "scheduled_on", "held_on", "notes_by"]
    list_select_related = ["plan__partner", "notes_by"]


# --- Content library --------------------------------------------------------------------------


class AssetAdminForm(forms.ModelForm):
    external_url = forms.URLField(
        label=_("External link"), required=False, max_length=500, assume_scheme="https"
    )
    upload = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("PDF, PNG, JPEG, DOCX, PPTX or XLSX, up to 20 MB; checked by its content."),
    )

    class Meta:
        model = Asset
        fields = [
            "title",
            "description",
            "kind",
            "upload",
            "external_url",
            "visible_to_tiers",
            "business_models",
            "co_brandable",
            "published",
        ]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            try:
                uploads.validate_upload(upload)
            except uploads.UploadRejected as exc:
                raise ValidationError(exc.message) from exc
        return upload

    def clean_business_models(self):
        values = self.cleaned_data.get("business_models") or []
        try:
            return content_services.clean_business_models(values)
        except uploads.ContentError as exc:
            raise ValidationError(exc.message) from exc

    def clean(self):
        # A new file replaces a link and a new link replaces the file; one of them must remain.
        data = super().clean()
        new_file, link = data.get("upload"), data.get("external_url")
        if new_file and link:
            raise ValidationError(_("Give either a file or an external link, not both."))
        if not (new_file or link or self.instance.file) and "upload" not in self.errors:
            raise ValidationError(_("Give either a file or an external link."))
        if new_file and data.get("kind") == Asset.Kind.VIDEO:
            self.add_error("upload", _("Share videos as a link."))
        return data


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    form = AssetAdminForm
    list_display = ["title", "kind", "published", "co_brandable", "original_filename", "size"]
    list_filter = ["kind", "published", "co_brandable", "visible_to_tiers"]
    search_fields = ["title", "description", "original_filename"]
    filter_horizontal = ["visible_to_tiers"]
    readonly_fields = ["original_filename", "content_type", "size", "created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        content_services.save_asset(
            actor=request.user,
            asset=obj,
            upload=form.cleaned_data.get("upload"),
            changed=form.changed_data,
        )


@admin.register(AssetUsage)
class AssetUsageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["asset", "partner", "user", "action", "created_at"]
    list_filter = ["action"]
    list_select_related = ["asset", "partner", "user"]
    date_hierarchy = "created_at"


# --- Business cases ---------------------------------------------------------------------------


@admin.register(BusinessCaseModel)
class BusinessCaseModelAdmin(admin.ModelAdmin):
    """Formulas are checked by ``BusinessCaseModel.clean`` when the form is saved; each problem
    is shown on its field (inputs, assumptions, formulas, deal amount)."""

    list_display = ["name", "published", "currency", "updated_at"]
    list_filter = ["published"]
    search_fields = ["name"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    fields = [
        "name",
        "description",
        "inputs",
        "assumptions",
        "formulas",
        "deal_amount_key",
        "currency",
        "business_models",
        "published",
        "created_by",
        "created_at",
        "updated_at",
    ]

    def save_model(self, request, obj, form, change):
        case_services.save_business_case_model(
            actor=request.user, model=obj, changed=form.changed_data
        )


@admin.register(BusinessCase)
class BusinessCaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["prospect_name", "partner", "model", "deal_amount", "currency", "created_at"]
    list_filter = ["model"]
    search_fields = ["prospect_name", "partner__display_name"]
    list_select_related = ["partner", "model"]


@admin.register(BusinessCaseUsage)
class BusinessCaseUsageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["partner", "model", "case", "action", "user", "created_at"]
    list_filter = ["action", "model"]
    list_select_related = ["partner", "model", "case", "user"]
    date_hierarchy = "created_at"
