"""Django admin for the partner program.

Status and tier are read-only here: they change only through admin actions that call the same
services as the portal, so every change leaves an audit row and a tier history row.
"""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import models
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from prm.admin import ReadOnlyAdminMixin
from prm.exceptions import DomainError

from . import services
from .models import (
    Agreement,
    AgreementAcceptance,
    Application,
    Invitation,
    Office,
    Partner,
    PartnerMembership,
    PartnerTerms,
    Qualification,
    Tier,
    TierHistory,
    TierRequirement,
)
from .recruitment import services as recruitment_services


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("Recorded in the audit trail."),
    )


def run_with_reason(modeladmin, request, queryset, *, title: str, apply):
    """An admin action that first asks why, then calls ``apply(obj, reason)`` for each row.

    Returns the confirmation page until a reason is given; domain errors are reported per row
    and do not stop the others (each service call is its own transaction).
    """
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        done = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data["reason"])
            except DomainError as error:
                modeladmin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            modeladmin.message_user(
                request, _("%(n)d row(s) updated.") % {"n": done}, messages.SUCCESS
            )
        return None
    return TemplateResponse(
        request,
        "partners/admin/action_reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "opts": modeladmin.model._meta,
            "action": request.POST.get("action", ""),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        },
    )


class OfficeInline(admin.TabularInline):
    model = Office
    extra = 0


class MembershipInline(admin.TabularInline):
    model = PartnerMembership
    extra = 0
    raw_id_fields = ["user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offices of this partner only (the partner being edited, when there is one).
        if db_field.name == "office":
            partner_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Office.objects.filter(partner_id=partner_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TierHistoryInline(admin.TabularInline):
    model = TierHistory
    extra = 0
    fields = ["tier", "effective_from", "effective_to", "reason", "changed_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "display_name",
        "business_model",
        "tier",
        "status",
        "hq_country",
        "channel_manager",
        "parent_distributor",
    ]
    list_filter = ["status", "business_model", "tier", "compensation_preference", "team"]
    search_fields = ["display_name", "legal_name", "website"]
    list_select_related = ["tier", "channel_manager", "parent_distributor"]
    readonly_fields = ["status", "tier", "activated_at", "created_at", "updated_at"]
    raw_id_fields = ["parent_distributor", "channel_manager"]
    inlines = [OfficeInline, MembershipInline, TierHistoryInline]
    fieldsets = (
        (None, {"fields": ("display_name", "legal_name", "website", "domains", "logo")}),
        (
            gettext_lazy("Program"),
            {
                "fields": (
                    "business_model",
                    "compensation_preference",
                    "status",
                    "tier",
                    "parent_distributor",
                    "channel_manager",
                    "team",
                )
            },
        ),
        (
            gettext_lazy("Market"),
            {"fields": ("hq_country", "regions_served", "target_sectors", "solution_stack")},
        ),
        (gettext_lazy("Dates"), {"fields": ("created_at", "updated_at", "activated_at")}),
    )
    actions = ["suspend", "reactivate", "terminate"]

    def _status_action(self, request, queryset, *, to: str, title: str):
        return run_with_reason(
            self,
            request,
            queryset,
            title=title,
            apply=lambda partner, reason: services.change_partner_status(
                partner=partner, actor=request.user, to=to, reason=reason
            ),
        )

    @admin.action(description=gettext_lazy("Suspend selected partners"))
    def suspend(self, request, queryset):
        return self._status_action(
            request, queryset, to=Partner.Status.SUSPENDED, title=_("Suspend partners")
        )

    @admin.action(description=gettext_lazy("Reactivate selected partners"))
    def reactivate(self, request, queryset):
        return self._status_action(
            request, queryset, to=Partner.Status.ACTIVE, title=_("Reactivate partners")
        )

    @admin.action(description=gettext_lazy("Terminate selected partners"))
    def terminate(self, request, queryset):
        return self._status_action(
            request, queryset, to=Partner.Status.TERMINATED, title=_("Terminate partners")
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            return actions
        # One "move to tier" action per configured tier.
        for tier in Tier.objects.order_by("rank"):
            name = f"set_tier_{tier.pk}"
            description = _("Move selected partners to tier %(tier)s") % {"tier": tier.name}
            actions[name] = (partial(self._set_tier, tier=tier), name, description)
        return actions

    def _set_tier(self, modeladmin, request, queryset, *, tier: Tier):
        return run_with_reason(
            self,
            request,
            queryset,
            title=_("Move partners to tier %(tier)s") % {"tier": tier.name},
            apply=lambda partner, reason: services.set_partner_tier(
                partner=partner, tier=tier, actor=request.user, reason=reason
            ),
        )


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "partner", "city", "country", "region"]
    list_filter = ["region", "country"]
    search_fields = ["name", "city", "partner__display_name"]
    raw_id_fields = ["partner"]
    list_select_related = ["partner"]


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "partner", "role", "office", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name", "partner__display_name"]
    raw_id_fields = ["user", "partner", "office"]
    list_select_related = ["user", "partner", "office"]


class TierRequirementInline(admin.TabularInline):
    model = TierRequirement
    extra = 0
    ordering = ["position", "id"]


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["rank", "name", "mdf_accrual_rate", "commission_multiplier"]
    ordering = ["rank"]
    search_fields = ["name"]
    inlines = [TierRequirementInline]


@admin.register(TierRequirement)
class TierRequirementAdmin(admin.ModelAdmin):
    list_display = ["tier", "metric", "threshold", "weight", "position"]
    list_filter = ["tier", "metric"]
    list_select_related = ["tier"]


@admin.register(TierHistory)
class TierHistoryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: rows are written by ``set_partner_tier`` (use the partner's tier actions)."""

    list_display = ["partner", "tier", "effective_from", "effective_to", "changed_by"]
    list_filter = ["tier"]
    search_fields = ["partner__display_name", "reason"]
    list_select_related = ["partner", "tier", "changed_by"]
    date_hierarchy = "effective_from"


@admin.register(PartnerTerms)
class PartnerTermsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: rows are written when ops change a partner's business model or compensation
    in the portal; commissions of deals closed before ``effective_to`` read them."""

    list_display = [
        "partner", "business_model", "compensation_preference", "effective_to", "changed_by",
    ]  # fmt: skip
    list_filter = ["business_model", "compensation_preference"]
    search_fields = ["partner__display_name"]
    list_select_related = ["partner", "changed_by"]


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = [
        "partner",
        "scale",
        "skill",
        "will",
        "willingness_to_engage",
        "assessed_by",
        "assessed_at",
    ]
    list_filter = ["scale", "skill", "will"]
    search_fields = ["partner__display_name", "assessed_by__email"]
    raw_id_fields = ["partner", "assessed_by"]
    list_select_related = ["partner", "assessed_by"]
    date_hierarchy = "assessed_at"


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["partner", "contact_email", "status", "submitted_at", "decided_by"]
    list_filter = ["status", "partner__business_model"]
    search_fields = ["partner__display_name", "contact_name", "contact_email"]
    list_select_related = ["partner", "decided_by"]
    raw_id_fields = ["partner"]
    readonly_fields = ["status", "decided_by", "decided_at", "decision_reason", "submitted_at"]
    actions = ["approve", "decline"]

    @admin.action(description=gettext_lazy("Approve and invite the applicant"))
    def approve(self, request, queryset):
        return run_with_reason(
            self,
            request,
            queryset,
            title=_("Approve applications"),
            apply=lambda application, reason: recruitment_services.approve_application(
                application=application, actor=request.user, reason=reason
            ),
        )

    @admin.action(description=gettext_lazy("Decline (the applicant is told why)"))
    def decline(self, request, queryset):
        return run_with_reason(
            self,
            request,
            queryset,
            title=_("Decline applications"),
            apply=lambda application, reason: recruitment_services.decline_application(
                application=application, actor=request.user, reason=reason
            ),
        )


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["title", "version", "effective_at"]
    search_fields = ["title", "version"]


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: partner admins accept in the portal (``accept_agreement``)."""

    list_display = ["partner", "agreement", "accepted_by", "accepted_at"]
    list_filter = ["agreement"]
    search_fields = ["partner__display_name", "accepted_by__email"]
    list_select_related = ["partner", "agreement", "accepted_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent from the portal (the email goes out there); here they are revoked."""

    list_display = [
        "email",
        "partner",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["role"]
    search_fields = ["email", "partner__display_name"]
    list_select_related = ["partner"]
    # The token is the invitee's key to the account: never shown, not even here.
    exclude = ["token"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Revoke selected invitations"))
    def revoke(self, request, queryset):
        for invitation in queryset:
            services.revoke_invitation(invitation=invitation, actor=request.user)
        self.message_user(request, _("Invitations revoked."), messages.SUCCESS)
