"""Explicit input and output serializers for joint business plans, the content library and
business cases. Outputs read what selectors loaded (no lazy queries per row)."""

from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from partners.models import BusinessModel, Tier
from prm.api.schema import named_choice_field
from prm.money import CURRENCY_CHOICES

from ..business_cases import calculation as case_calculation
from ..business_cases import selectors as case_selectors
from ..models import (
    Asset,
    BusinessCase,
    BusinessCaseModel,
    JointBusinessPlan,
    OnboardingStep,
    PlanCheckIn,
    PlanInitiative,
    PlanTarget,
)
from ..programs import selectors as program_selectors
from .serializers import PartnerSummarySerializer

PlanStatusField = named_choice_field("BusinessPlanStatusEnum", JointBusinessPlan.Status)
PlanMetricField = named_choice_field("BusinessPlanMetricEnum", PlanTarget.Metric)
AssetKindField = named_choice_field("AssetKindEnum", Asset.Kind)
AssetBusinessModelField = named_choice_field("AssetBusinessModelEnum", BusinessModel)
ResultFormatField = named_choice_field("BusinessCaseResultFormatEnum", BusinessCaseModel.Format)


# --- Joint business plans ---------------------------------------------------------------------


class PlanTargetSerializer(serializers.ModelSerializer):
    metric = PlanMetricField(read_only=True)

    class Meta:
        model = PlanTarget
        fields = ["metric", "description", "target_value", "owner", "due_quarter"]
        read_only_fields = fields


class PlanInitiativeSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanInitiative
        fields = ["title", "description", "owner", "starts_on", "ends_on"]
        read_only_fields = fields


class PlanCheckInSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanCheckIn
        fields = ["id", "scheduled_on", "agenda", "held_on", "notes", "notes_at"]
        read_only_fields = fields


class BusinessPlanSerializer(serializers.ModelSerializer):
    partner = PartnerSummarySerializer(read_only=True)
    status = PlanStatusField(read_only=True)
    year_label = serializers.CharField(read_only=True)
    created_by = serializers.EmailField(source="created_by.email", read_only=True)
    approved_by = serializers.EmailField(
        source="approved_by.email", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = JointBusinessPlan
        fields = [
            "id",
            "partner",
            "fiscal_year",
            "year_label",
            "version",
            "status",
            "title",
            "summary",
            "currency",
            "based_on",
            "created_by",
            "created_at",
            "updated_at",
            "approved_by",
            "approved_at",
            "superseded_at",
        ]
        read_only_fields = fields


class BusinessPlanDetailSerializer(BusinessPlanSerializer):
    targets = PlanTargetSerializer(many=True, read_only=True)
    initiatives = PlanInitiativeSerializer(many=True, read_only=True)
    checkins = PlanCheckInSerializer(many=True, read_only=True)

    class Meta(BusinessPlanSerializer.Meta):
        fields = [*BusinessPlanSerializer.Meta.fields, "targets", "initiatives", "checkins"]
        read_only_fields = fields


class PlanApproveInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


# --- Content library --------------------------------------------------------------------------


class AssetSerializer(serializers.ModelSerializer):
    kind = AssetKindField(read_only=True)
    is_link = serializers.BooleanField(read_only=True)
    download_url = serializers.SerializerMethodField()
    tiers = serializers.SerializerMethodField()
    business_models = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Business model codes the asset is meant for; empty means all.",
    )

    class Meta:
        model = Asset
        fields = [
            "id",
            "title",
            "description",
            "kind",
            "is_link",
            "original_filename",
            "content_type",
            "size",
            "co_brandable",
            "published",
            "tiers",
            "business_models",
            "download_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, asset) -> str:
        """The API download (files) or redirect (links); counted per partner."""
        return reverse(
            "library-asset-download", args=[asset.pk], request=self.context.get("request")
        )

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tiers(self, asset) -> list[str]:
        # Prefetched by the view: no query per row.
        return [tier.name for tier in asset.visible_to_tiers.all()]


# --- Business cases ---------------------------------------------------------------------------


class CaseInputSpecSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField(required=False, default="")
    default = serializers.CharField(required=False, allow_null=True, default=None)
    min = serializers.CharField(required=False, allow_null=True, default=None)


class CaseFormulaSpecSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    format = ResultFormatField()


class BusinessCaseModelSerializer(serializers.ModelSerializer):
    """What a caller needs to build a case: the inputs it takes and the results it gives."""

    inputs = CaseInputSpecSerializer(many=True, read_only=True)
    results = CaseFormulaSpecSerializer(source="formulas", many=True, read_only=True)
    business_models = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Business model codes the model is offered to; empty means all.",
    )

    class Meta:
        model = BusinessCaseModel
        fields = [
            "id",
            "name",
            "description",
            "inputs",
            "results",
            "deal_amount_key",
            "currency",
            "business_models",
            "published",
        ]
        read_only_fields = fields


class BusinessCaseModelRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessCaseModel
        fields = ["id", "name"]
        read_only_fields = fields


class CaseResultSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    format = ResultFormatField()
    value = serializers.DecimalField(max_digits=30, decimal_places=4, coerce_to_string=True)
    display = serializers.CharField()


class BusinessCaseSerializer(serializers.ModelSerializer):
    partner = PartnerSummarySerializer(read_only=True)
    model = BusinessCaseModelRefSerializer(read_only=True)
    created_by = serializers.EmailField(source="created_by.email", read_only=True)
    inputs = serializers.DictField(child=serializers.CharField(), read_only=True)
    results = serializers.SerializerMethodField()
    deal_registration_url = serializers.SerializerMethodField()

    class Meta:
        model = BusinessCase
        fields = [
            "id",
            "partner",
            "model",
            "prospect_name",
            "inputs",
            "results",
            "deal_amount",
            "currency",
            "created_by",
            "created_at",
            "deal_registration_url",
        ]
        read_only_fields = fields

    @extend_schema_field(CaseResultSerializer(many=True))
    def get_results(self, case) -> list[dict]:
        return [
            {
                "key": line.key,
                "label": line.label,
                "format": line.format,
                "value": str(line.value),
                "display": line.display,
            }
            for line in case_calculation.result_lines(case)
        ]

    def get_deal_registration_url(self, case) -> str:
        return case_selectors.deal_registration_url(case)


class BusinessCaseInputSerializer(serializers.Serializer):
    partner = serializers.IntegerField(
        required=False,
        help_text="The partner the case is for; may be left out by callers with one partner.",
    )
    model = serializers.IntegerField(help_text="A business-case model id.")
    prospect_name = serializers.CharField(max_length=200)
    inputs = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=dict,
        help_text='Figures by input key, as strings (e.g. {"seats": "50"}); blanks use the '
        "model's defaults.",
    )
    currency = serializers.CharField(required=False, max_length=3)


# --- Joint business plans: writes -------------------------------------------------------------


class PlanCreateInputSerializer(serializers.Serializer):
    partner = serializers.IntegerField(
        required=False,
        help_text="The partner the plan is for; may be left out by callers with one partner.",
    )
    fiscal_year = serializers.IntegerField(
        help_text="Last, this or next fiscal year (the year in which it ends)."
    )
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)

    def validate_fiscal_year(self, value: int) -> int:
        allowed = program_selectors.plan_fiscal_years()
        if value not in allowed:
            raise serializers.ValidationError(
                _("Choose one of %(years)s.") % {"years": ", ".join(f"FY{y}" for y in allowed)}
            )
        return value


class PlanTargetInputSerializer(serializers.Serializer):
    metric = PlanMetricField()
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    target_value = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal(0), coerce_to_string=True
    )
    owner = serializers.CharField(max_length=120)
    due_quarter = serializers.IntegerField(min_value=1, max_value=4)


class PlanInitiativeInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    owner = serializers.CharField(max_length=120)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class PlanCheckInInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="An existing check-in to keep (its notes stay); left out: a new one.",
    )
    scheduled_on = serializers.DateField()
    agenda = serializers.CharField(max_length=300, required=False, allow_blank=True)


class PlanChangeInputSerializer(serializers.Serializer):
    """A draft's content. A list that is sent replaces the plan's list; one left out stays."""

    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    targets = PlanTargetInputSerializer(many=True, required=False, max_length=100)
    initiatives = PlanInitiativeInputSerializer(many=True, required=False, max_length=100)
    checkins = PlanCheckInInputSerializer(many=True, required=False, max_length=100)


class PlanCheckInNotesInputSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    notes = serializers.CharField(max_length=10_000)


# --- Onboarding -------------------------------------------------------------------------------

StepKindField = named_choice_field("OnboardingStepKindEnum", OnboardingStep.Kind)


class OnboardingStepStateSerializer(serializers.Serializer):
    """One step of the checklist (a ``StepState``) and whether the caller may check it."""

    id = serializers.IntegerField(source="step.pk")
    kind = StepKindField(source="step.kind")
    title = serializers.CharField(source="step.title")
    description = serializers.CharField(source="step.description")
    manual = serializers.BooleanField(help_text="Checked by a person; the rest follow facts.")
    done = serializers.BooleanField()
    detail = serializers.CharField(help_text="Why the step is done or not, in words.")
    checked_by = serializers.EmailField(
        source="check.checked_by.email", allow_null=True, default=None
    )
    checked_at = serializers.DateTimeField(source="check.checked_at", allow_null=True, default=None)
    note = serializers.CharField(source="check.note", default="")
    can_check = serializers.SerializerMethodField()

    def get_can_check(self, state) -> bool:
        return state.step.pk in self.context.get("checkable", ())


class OnboardingStatusSerializer(serializers.Serializer):
    partner = PartnerSummarySerializer()
    checklist = serializers.CharField(source="template.name", allow_null=True, default=None)
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    is_complete = serializers.BooleanField()
    steps = OnboardingStepStateSerializer(many=True)


class OnboardingCheckInputSerializer(serializers.Serializer):
    step = serializers.IntegerField(help_text="A step id of the partner's checklist.")
    done = serializers.BooleanField(help_text="true marks it done; false opens it again.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


# --- Content library: writes ------------------------------------------------------------------


class AssetInputSerializer(serializers.Serializer):
    """A new library asset: a file (checked by content) or an external link, not both."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    kind = AssetKindField()
    file = serializers.FileField(
        max_length=255,
        required=False,
        help_text="PDF, PNG, JPEG, DOCX, PPTX or XLSX, up to 20 MB; checked by content.",
    )
    external_url = serializers.URLField(
        max_length=500, required=False, allow_blank=True, help_text="For videos and hosted content."
    )
    tiers = serializers.PrimaryKeyRelatedField(
        queryset=Tier.objects.all(),
        many=True,
        required=False,
        help_text="Tier ids that see it; none: every tier.",
    )
    business_models = serializers.ListField(
        child=AssetBusinessModelField(),
        required=False,
        max_length=20,
        help_text="Business models it is meant for; none: every business model.",
    )
    co_brandable = serializers.BooleanField(required=False, default=False)
    published = serializers.BooleanField(required=False, default=False)
