"""Input and output serializers of the program configuration owned by the partners app: tiers
with their requirements, agreement versions and channel teams. Inputs bound what a caller may
send (the bounds of the portal's forms); the rules between values are the services'
(``partners.program.services``), so the API and the portal refuse the same things with the
same messages."""

from rest_framework import serializers

from partners.models import Agreement, BusinessModel, TierRequirement
from partners.program.services import RequirementRow
from prm.api.changes import ChangeSerializerMixin
from prm.api.schema import named_choice_field as choice_field
from prm.models import ChannelTeam, User

from .serializers import UserRefSerializer

TierMetricField = choice_field("TierMetricEnum", TierRequirement.Metric)
TeamBusinessModelField = choice_field("TeamBusinessModelEnum", BusinessModel)
SMALL_INT_MAX = 32767


# --- Tiers -------------------------------------------------------------------------------------


class TierRequirementInputSerializer(serializers.Serializer):
    metric = TierMetricField()
    threshold = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        help_text="The partner meets the requirement at this value or above.",
    )
    weight = serializers.IntegerField(
        min_value=1,
        max_value=100,
        default=1,
        help_text="How much this criterion counts in scorecards and the review's ranking.",
    )
    position = serializers.IntegerField(
        min_value=0, max_value=SMALL_INT_MAX, default=0, help_text="Lower is listed first."
    )


class TierInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    rank = serializers.IntegerField(
        min_value=0,
        max_value=SMALL_INT_MAX,
        help_text="Higher rank is a higher tier; the tier review promotes by rank.",
    )
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    benefits = serializers.ListField(
        child=serializers.CharField(max_length=500),
        max_length=50,
        required=False,
        help_text="Benefits shown to partners on the tiers page, one per entry.",
    )
    mdf_accrual_rate = serializers.DecimalField(
        max_digits=6,
        decimal_places=4,
        required=False,
        help_text="Share of won revenue accrued to the partner's MDF fund (0.0200 is 2%).",
    )
    commission_multiplier = serializers.DecimalField(
        max_digits=5,
        decimal_places=3,
        required=False,
        help_text="Multiplies every commission rate for partners in this tier (1.000: unchanged).",
    )
    requirements = TierRequirementInputSerializer(
        many=True,
        required=False,
        max_length=len(TierRequirement.Metric.values) * 2,
        help_text=(
            "The tier's whole list of requirements; it replaces the stored one. Left out of a "
            "change, the requirements stay as they are."
        ),
    )


class TierUpdateSerializer(ChangeSerializerMixin, TierInputSerializer):
    pass


def requirement_rows(data: list[dict]) -> list[RequirementRow]:
    return [RequirementRow(**row) for row in data]


# --- Agreements --------------------------------------------------------------------------------


class AgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agreement
        fields = ["id", "version", "title", "body", "effective_at"]
        read_only_fields = fields


class AgreementInputSerializer(serializers.Serializer):
    version = serializers.CharField(
        max_length=20, help_text="A label partners see beside their acceptance, e.g. 2027.1."
    )
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=200_000, help_text="The full text partners accept.")
    effective_at = serializers.DateTimeField(
        required=False,
        help_text=(
            "From this moment the version is current and every partner must accept it again; "
            "now when left out. It must be later than the latest version's."
        ),
    )


# --- Channel teams -----------------------------------------------------------------------------


class ChannelTeamSerializer(serializers.ModelSerializer):
    lead = UserRefSerializer(read_only=True, allow_null=True)
    business_models = serializers.ListField(child=TeamBusinessModelField(), read_only=True)

    class Meta:
        model = ChannelTeam
        fields = ["id", "name", "segment", "lead", "business_models"]
        read_only_fields = fields


class ChannelTeamInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    segment = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lead = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text="A member of the vendor's staff; receives the team's escalations.",
    )
    business_models = serializers.ListField(
        child=TeamBusinessModelField(),
        required=False,
        max_length=len(BusinessModel.values),
        help_text="Partners of these models are aligned to this team; each model has one team.",
    )


class ChannelTeamUpdateSerializer(ChangeSerializerMixin, ChannelTeamInputSerializer):
    pass
