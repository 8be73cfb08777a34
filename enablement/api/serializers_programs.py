"""Explicit input and output serializers for joint business plans, the content library and
business cases. Outputs read what selectors loaded (no lazy queries per row)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from prm.api.schema import named_choice_field

from ..business_cases import calculation as case_calculation
from ..business_cases import selectors as case_selectors
from ..models import (
    Asset,
    BusinessCase,
    BusinessCaseModel,
    JointBusinessPlan,
    PlanCheckIn,
    PlanInitiative,
    PlanTarget,
)
from .serializers import PartnerSummarySerializer

PlanStatusField = named_choice_field("BusinessPlanStatusEnum", JointBusinessPlan.Status)
PlanMetricField = named_choice_field("BusinessPlanMetricEnum", PlanTarget.Metric)
AssetKindField = named_choice_field("AssetKindEnum", Asset.Kind)
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
