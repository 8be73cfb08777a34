"""Explicit input and output serializers: inputs validate what a caller may send, outputs shape
what a caller reads. Neither writes to the database; the views hand validated data to services.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partners.duplicates import DuplicateIndex
from partners.models import (
    Application,
    BusinessModel,
    CompensationPreference,
    Invitation,
    Office,
    Partner,
    PartnerMembership,
    Qualification,
    Region,
    Tier,
    TierRequirement,
)
from partners.selectors import partners_visible_to
from prm.api.representation import ChoiceLabelField, ReadOnlyOutputMixin
from prm.api.schema import named_choice_field as choice_field
from prm.columns import ColumnBoundSerializer
from prm.countries import is_country_code
from prm.models import User
from prm.text import NameSerializerField

PartnerStatusField = choice_field("PartnerStatusEnum", Partner.Status)
ApplicationStatusField = choice_field("ApplicationStatusEnum", Application.Status)
RegionField = choice_field("RegionEnum", Region)

# --- Small nested shapes ------------------------------------------------------------------------


class UserRefSerializer(ReadOnlyOutputMixin, serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name"]
        read_only_fields = fields


class PartnerRefSerializer(ReadOnlyOutputMixin, serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = ["id", "display_name"]
        read_only_fields = fields


class TierRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["id", "rank", "name"]
        read_only_fields = fields


class OfficeRefSerializer(serializers.ModelSerializer):
    region = RegionField(read_only=True)

    class Meta:
        model = Office
        fields = ["id", "name", "city", "country", "region"]
        read_only_fields = fields


class TeamRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


# --- Partners -----------------------------------------------------------------------------------


class PartnerOutputSerializer(serializers.ModelSerializer):
    status = PartnerStatusField(read_only=True)
    tier = TierRefSerializer(read_only=True, allow_null=True)
    parent_distributor = PartnerRefSerializer(read_only=True, allow_null=True)
    channel_manager = UserRefSerializer(read_only=True, allow_null=True)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    domains = serializers.ListField(child=serializers.CharField(), read_only=True)
    regions_served = serializers.ListField(child=serializers.CharField(), read_only=True)
    target_sectors = serializers.ListField(child=serializers.CharField(), read_only=True)
    solution_stack = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Partner
        fields = [
            "id",
            "display_name",
            "legal_name",
            "website",
            "domains",
            "hq_country",
            "regions_served",
            "business_model",
            "compensation_preference",
            "status",
            "tier",
            "parent_distributor",
            "channel_manager",
            "team",
            "target_sectors",
            "solution_stack",
            "created_at",
            "activated_at",
            "updated_at",
            "external_id",
        ]
        read_only_fields = fields


class CountryCodeField(serializers.CharField):
    """An ISO 3166 two-letter country code, any case; one that is no country is refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("ISO 3166 two-letter code."))
        super().__init__(max_length=2, **kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data).strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise serializers.ValidationError(_("Use the two-letter country code, e.g. DE."))
        if not is_country_code(code):
            raise serializers.ValidationError(
                _("%(code)s is not a country code we know; use e.g. DE or GB.") % {"code": code}
            )
        return code


class PartnerProfileInputSerializer(serializers.Serializer):
    """A change to the organisation's profile: only the fields sent change. Partner admins send
    the way it presents itself; the agreement's facts are program ops' to change."""

    display_name = NameSerializerField(max_length=120, required=False)
    website = serializers.URLField(max_length=200, required=False, allow_blank=True)
    regions_served = serializers.ListField(
        child=RegionField(), min_length=1, max_length=len(Region.choices), required=False
    )
    target_sectors = serializers.ListField(
        child=serializers.CharField(max_length=120), max_length=50, required=False
    )
    solution_stack = serializers.ListField(
        child=serializers.CharField(max_length=120), max_length=50, required=False
    )
    legal_name = NameSerializerField(max_length=200, required=False)
    hq_country = CountryCodeField(required=False)
    business_model = serializers.ChoiceField(choices=BusinessModel.choices, required=False)
    compensation_preference = serializers.ChoiceField(
        choices=CompensationPreference.choices, required=False
    )


class MembershipUpdateInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=PartnerMembership.Role.choices, required=False)
    office = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        allow_null=True,
        help_text=_("One of the partner's offices; null for none."),
    )


class PartnerStatusInputSerializer(serializers.Serializer):
    status = PartnerStatusField()
    reason = serializers.CharField(max_length=2000, help_text=_("Why; kept in the audit trail."))


class PartnerTierInputSerializer(serializers.Serializer):
    tier = serializers.PrimaryKeyRelatedField(
        queryset=Tier.objects.all(), allow_null=True, help_text=_("Tier id, or null for none.")
    )
    reason = serializers.CharField(max_length=2000, help_text=_("Why; kept in the audit trail."))
    effective_from = serializers.DateField(required=False, help_text=_("Defaults to today."))


# --- Memberships and invitations ----------------------------------------------------------------


class MembershipOutputSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(read_only=True)
    partner = PartnerRefSerializer(read_only=True)
    office = OfficeRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = PartnerMembership
        fields = ["id", "user", "partner", "role", "office", "created_at"]
        read_only_fields = fields


class InvitationInputSerializer(serializers.Serializer):
    partner = serializers.PrimaryKeyRelatedField(queryset=Partner.objects.none())
    email = serializers.EmailField()
    role = serializers.ChoiceField(
        choices=PartnerMembership.Role.choices, default=PartnerMembership.Role.REP
    )
    office = serializers.PrimaryKeyRelatedField(
        queryset=Office.objects.none(), required=False, allow_null=True
    )
    invite_anyway = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Send the invitation even though the address belongs to another partner.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only partners (and their offices) the caller can see are valid choices; anything else
        # reads as "does not exist", never as "exists but not yours".
        visible = partners_visible_to(getattr(self.context.get("request"), "user", None))
        self.fields["partner"].queryset = visible
        self.fields["office"].queryset = Office.objects.filter(partner__in=visible.values("pk"))


class InvitationOutputSerializer(serializers.ModelSerializer):
    partner = PartnerRefSerializer(read_only=True)
    office = OfficeRefSerializer(read_only=True, allow_null=True)
    invited_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "partner",
            "email",
            "role",
            "office",
            "invited_by",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
        ]
        read_only_fields = fields


# --- Tiers --------------------------------------------------------------------------------------


class TierRequirementOutputSerializer(ReadOnlyOutputMixin, serializers.ModelSerializer):
    metric_label = ChoiceLabelField(source="metric", choices=TierRequirement.Metric.choices)

    class Meta:
        model = TierRequirement
        fields = ["id", "metric", "metric_label", "threshold", "weight", "position"]
        read_only_fields = fields


class TierOutputSerializer(ReadOnlyOutputMixin, serializers.ModelSerializer):
    requirements = TierRequirementOutputSerializer(many=True, read_only=True)
    benefits = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Tier
        fields = [
            "id",
            "rank",
            "name",
            "description",
            "benefits",
            "mdf_accrual_rate",
            "commission_multiplier",
            "requirements",
        ]
        read_only_fields = fields


# --- Applications -------------------------------------------------------------------------------


def _short_strings(max_length: int = 120, **kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=max_length), max_length=50, **kwargs
    )


class ApplicationInputSerializer(ColumnBoundSerializer):
    legal_name = NameSerializerField(max_length=200)
    display_name = NameSerializerField(max_length=120)
    website = serializers.URLField(required=False, allow_blank=True, default="")
    hq_country = CountryCodeField()
    business_model = serializers.ChoiceField(choices=BusinessModel.choices)
    compensation_preference = serializers.ChoiceField(
        choices=CompensationPreference.choices, required=False
    )
    regions_served = serializers.ListField(child=RegionField(), required=False)
    domains = _short_strings(253, required=False)
    target_sectors = _short_strings(required=False)
    solution_stack = _short_strings(required=False)
    contact_name = NameSerializerField(max_length=150)
    contact_email = serializers.EmailField()
    contact_title = NameSerializerField(max_length=120, required=False, allow_blank=True)
    customer_count = serializers.IntegerField(min_value=0, required=False)
    technical_staff = serializers.IntegerField(min_value=0, required=False)
    executive_sponsor = NameSerializerField(max_length=150, required=False, allow_blank=True)
    message = serializers.CharField(max_length=5000, required=False, allow_blank=True)

    class Meta:
        models = (Application, Partner)
        column_exempt = ("hq_country",)


class ApplicationReceiptSerializer(serializers.ModelSerializer):
    """What an applicant gets back: proof of receipt, nothing about the program's review."""

    status = ApplicationStatusField(read_only=True)

    class Meta:
        model = Application
        fields = ["id", "status", "submitted_at"]
        read_only_fields = fields


class ApplicationPartnerSerializer(serializers.ModelSerializer):
    status = PartnerStatusField(read_only=True)
    channel_manager = UserRefSerializer(read_only=True, allow_null=True)
    regions_served = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Partner
        fields = [
            "id",
            "display_name",
            "legal_name",
            "website",
            "hq_country",
            "regions_served",
            "business_model",
            "status",
            "channel_manager",
        ]
        read_only_fields = fields


class LikelyDuplicateSerializer(serializers.Serializer):
    partner = serializers.IntegerField(source="partner_id")
    display_name = serializers.CharField()
    status = PartnerStatusField()
    application = serializers.IntegerField(source="application_id", allow_null=True)
    matched_on = serializers.ChoiceField(choices=[("name", "name"), ("website", "website")])


class ApplicationOutputSerializer(serializers.ModelSerializer):
    status = ApplicationStatusField(read_only=True)
    partner = ApplicationPartnerSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)
    likely_duplicates = serializers.SerializerMethodField(
        help_text=_(
            "Existing partners and other open applications with the same company name or "
            "website domain: a hint for the reviewer, never a refusal."
        )
    )

    class Meta:
        model = Application
        fields = [
            "id",
            "status",
            "partner",
            "contact_name",
            "contact_email",
            "contact_title",
            "customer_count",
            "technical_staff",
            "executive_sponsor",
            "message",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "likely_duplicates",
        ]
        read_only_fields = fields

    @extend_schema_field(LikelyDuplicateSerializer(many=True))
    def get_likely_duplicates(self, application) -> list:
        # One index per response, shared by every application of a list page.
        index = self.context.get("duplicate_index")
        if index is None:
            index = self.context["duplicate_index"] = DuplicateIndex.build()
        return LikelyDuplicateSerializer(index.for_partner(application.partner), many=True).data


class ApplicationApproveInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    channel_manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(
            internal_role=User.InternalRole.CHANNEL_MANAGER, is_active=True
        ),
        required=False,
        allow_null=True,
        help_text=_("Channel account manager to assign; defaults to the approving manager."),
    )
    tier = serializers.PrimaryKeyRelatedField(
        queryset=Tier.objects.all(), required=False, allow_null=True
    )


class ApplicationDeclineInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=_("Sent to the applicant."))


class QualificationInputSerializer(serializers.Serializer):
    scale = serializers.IntegerField(min_value=1, max_value=5)
    skill = serializers.IntegerField(min_value=1, max_value=5)
    will = serializers.IntegerField(min_value=1, max_value=5)
    willingness_to_engage = serializers.IntegerField(min_value=1, max_value=5)
    opp_traits = serializers.ListField(
        child=serializers.ChoiceField(choices=Qualification.OppTrait.choices), required=False
    )
    scale_notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    skill_notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    will_notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class QualificationOutputSerializer(serializers.ModelSerializer):
    partner = PartnerRefSerializer(read_only=True)
    assessed_by = UserRefSerializer(read_only=True)
    opp_traits = serializers.ListField(child=serializers.CharField(), read_only=True)
    focus_score = serializers.IntegerField(read_only=True)

    class Meta:
        model = Qualification
        fields = [
            "id",
            "partner",
            "assessed_by",
            "scale",
            "skill",
            "will",
            "willingness_to_engage",
            "opp_traits",
            "focus_score",
            "assessed_at",
            "scale_notes",
            "skill_notes",
            "will_notes",
        ]
        read_only_fields = fields


class PartnerExternalIdInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=100,
        allow_blank=True,
        allow_null=True,
        help_text=_("The vendor CRM's id for this partner; empty or null clears it."),
    )
