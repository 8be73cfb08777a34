"""Input and output serializers of the enablement configuration in the Program area:
certifications of the catalogue, onboarding checklists and the enablement settings. Inputs
bound what may be sent; the rules between values are the services' (``catalogue``,
``programs.checklists``, ``services.update_enablement_settings``), with the portal's messages."""

from rest_framework import serializers

from partners.models import BusinessModel
from prm.api.changes import ChangeSerializerMixin
from prm.api.schema import named_choice_field

from ..models import Course, EnablementSettings, OnboardingStep, OnboardingTemplate
from ..programs.checklists import StepRow
from .serializers import CertificationKindField
from .serializers_programs import StepKindField

ChecklistBusinessModelField = named_choice_field("ChecklistBusinessModelEnum", BusinessModel)
SMALL_INT_MAX = 32767


class CertificationInputSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=200)
    kind = CertificationKindField(help_text="Its kind feeds the tier requirements.")
    validity_months = serializers.IntegerField(
        min_value=0,  # below one month the service refuses, with the portal's message
        max_value=SMALL_INT_MAX,
        required=False,
        help_text="People who hold it keep the expiry they were given when this changes.",
    )
    points = serializers.IntegerField(min_value=0, max_value=SMALL_INT_MAX, required=False)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    course = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Course.objects.all(),
        required=False,
        allow_null=True,
        help_text=(
            "The code of the course it is earned on, as the certification reads; a course for "
            "its role (any role for a specialty). Null: no course."
        ),
    )


class CertificationUpdateSerializer(ChangeSerializerMixin, CertificationInputSerializer):
    pass


# --- Onboarding checklists ---------------------------------------------------------------------


class OnboardingStepSerializer(serializers.ModelSerializer):
    kind = StepKindField(read_only=True)

    class Meta:
        model = OnboardingStep
        fields = ["id", "position", "kind", "title", "description", "required_count"]
        read_only_fields = fields


class OnboardingChecklistSerializer(serializers.ModelSerializer):
    business_model = serializers.CharField(
        read_only=True, help_text="Empty for the default checklist."
    )
    steps = OnboardingStepSerializer(many=True, read_only=True)

    class Meta:
        model = OnboardingTemplate
        fields = ["id", "name", "business_model", "description", "created_at", "steps"]
        read_only_fields = fields


class OnboardingStepInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="A step of this checklist to keep (with the checks partners made); "
        "without an id the step is new.",
    )
    kind = StepKindField(help_text="Agreement, certification and plan steps tick themselves.")
    title = serializers.CharField(max_length=160)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    required_count = serializers.IntegerField(
        min_value=1,
        max_value=SMALL_INT_MAX,
        default=1,
        help_text="Only for “first people certified”: how many different people.",
    )


class OnboardingChecklistInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    business_model = ChecklistBusinessModelField(
        required=False,
        allow_blank=True,
        help_text="New partners of this model follow it; blank: the default checklist.",
    )
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    steps = OnboardingStepInputSerializer(
        many=True,
        max_length=50,
        help_text="The ordered steps; the list replaces the stored one.",
    )


class OnboardingChecklistUpdateSerializer(
    ChangeSerializerMixin, OnboardingChecklistInputSerializer
):
    pass


def step_rows(data: list[dict]) -> list[StepRow]:
    return [
        StepRow(
            kind=row["kind"],
            title=row["title"],
            description=row.get("description", ""),
            required_count=row["required_count"],
            pk=row.get("id"),
        )
        for row in data
    ]


# --- Settings ----------------------------------------------------------------------------------


class EnablementSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = EnablementSettings
        fields = ["expiry_warning_days"]
        extra_kwargs = {"expiry_warning_days": {"required": False}}
