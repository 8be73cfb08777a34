"""Read-only admin pages for scorecards: ops edit templates and CAMs rate in the portal, where
each change is audited."""

from django.contrib import admin

from prm.admin import ReadOnlyAdminMixin

from .models import CamRating, Scorecard, ScorecardRun, ScorecardTemplate, TemplateCriterion


@admin.register(ScorecardTemplate)
class ScorecardTemplateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "business_model", "green_from", "amber_from", "updated_at"]


@admin.register(TemplateCriterion)
class TemplateCriterionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["template", "criterion", "source", "weight", "target"]
    list_select_related = ["template"]


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["partner", "quarter", "score", "health", "is_final", "computed_at"]
    list_filter = ["quarter", "health", "is_final"]
    list_select_related = ["partner"]


@admin.register(CamRating)
class CamRatingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["scorecard", "criterion", "rating", "rated_by", "rated_at"]
    list_select_related = ["scorecard", "rated_by"]


@admin.register(ScorecardRun)
class ScorecardRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["quarter", "status", "partners_done", "partners_total", "finished_at"]
