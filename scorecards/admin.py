from django.contrib import admin

from prm.admin import ReadOnlyAdminMixin

from .models import ProposalApplication, TierProposal, TierReview, TierReviewSettings
from .review import services


@admin.register(TierReviewSettings)
class TierReviewSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "qualifying_percent", "grace_reviews", "auto_apply_promotions"]

    def has_add_permission(self, request):
        return not TierReviewSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The service checks the actor and writes the audit row.
        services.update_review_settings(
            actor=request.user,
            **{name: form.cleaned_data[name] for name in services.SETTING_FIELDS},
        )


@admin.register(TierReview)
class TierReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["quarter", "status", "partners_done", "partners_total", "finished_at"]


@admin.register(TierProposal)
class TierProposalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["review", "partner", "action", "decision", "applied_at"]
    list_filter = ["review", "action", "decision"]
    list_select_related = ["review", "partner"]


@admin.register(ProposalApplication)
class ProposalApplicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["review", "status", "done", "total", "succeeded", "created_at"]
    list_filter = ["status"]
    list_select_related = ["review"]


# The partner scorecards' admin pages register with this app.
from .cards import admin as cards_admin  # noqa: E402, F401
