"""Input and output serializers of the commission API's writes (program ops, and a deal's
channel account manager for overrides). They parse input; the rules and their refusals live in
the services the portal calls. Amounts and rates are decimal strings."""

from rest_framework import serializers

from deals.models import CommissionOverride, CommissionRule, CommissionRun, Spiff
from partners.api.serializers import RegionField
from partners.models import BusinessModel, Tier
from prm.api.bulk import bulk_ids
from prm.api.schema import named_choice_field as choice_field
from prm.money import CURRENCY_CHOICES, AmountSerializerField
from prm.text import NameSerializerField, refuse_invisible

from ..models import REVERSAL_REASON_LENGTH
from ..repcredit.models import RepTerritory
from ..statements import validate_paid_on
from .serializers import DealRefSerializer, RuleKindField, RuleRefSerializer, RuleSerializer

TiePolicyField = choice_field("SpiffTiePolicyEnum", Spiff.TiePolicy)
RunStatusField = choice_field("CommissionRunStatusEnum", CommissionRun.Status)
OverrideStatusField = choice_field("CommissionOverrideStatusEnum", CommissionOverride.Status)


def rate_field(**kwargs) -> serializers.DecimalField:
    """A percentage: ``12.5`` is 12.5 %."""
    return serializers.DecimalField(max_digits=7, decimal_places=4, min_value=0, **kwargs)


def _blank_or(choices, **kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=choices, allow_blank=True, **kwargs)


def _partial(serializer_class):
    """The same fields, each optional: only those sent change (PATCH)."""

    class Partial(serializer_class):
        def __init__(self, *args, **kwargs):
            kwargs["partial"] = True
            super().__init__(*args, **kwargs)

    Partial.__name__ = Partial.__qualname__ = serializer_class.__name__.replace(
        "Input", "UpdateInput"
    )
    return Partial


# --- Plans and rules ---------------------------------------------------------------------------


class PlanInputSerializer(serializers.Serializer):
    name = NameSerializerField(max_length=120)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    effective_from = serializers.DateField(help_text="The day the first version is in force.")


class RuleInputSerializer(serializers.Serializer):
    """A rule's selectors (blank: any), what it pays (a rate, or a flat fee for one-time
    referral fees) and its floor. ``effective_from`` and ``notes`` matter when the plan's open
    version has paid lines: the change then opens a new version from that day."""

    name = NameSerializerField(max_length=120)
    business_model = _blank_or(BusinessModel.choices, required=False)
    tier = serializers.PrimaryKeyRelatedField(
        queryset=Tier.objects.all(), required=False, allow_null=True
    )
    engagement = _blank_or(CommissionRule.Engagement.choices, required=False)
    sourcing = _blank_or(CommissionRule.Sourcing.choices, required=False)
    product_line = serializers.CharField(max_length=80, required=False, allow_blank=True)
    kind = RuleKindField()
    rate = rate_field(required=False, allow_null=True)
    amount = AmountSerializerField(required=False, allow_null=True)
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)
    periods = serializers.IntegerField(min_value=1, max_value=32767, required=False)
    floor_rate = rate_field(required=False)
    floor_amount = AmountSerializerField(required=False)
    priority = serializers.IntegerField(min_value=-32768, max_value=32767, required=False)
    effective_from = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    VERSIONING = ("effective_from", "notes")

    def rule_fields(self) -> dict:
        return {k: v for k, v in self.validated_data.items() if k not in self.VERSIONING}


RuleUpdateInputSerializer = _partial(RuleInputSerializer)


class RuleRemoveInputSerializer(serializers.Serializer):
    effective_from = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class RuleOutputSerializer(RuleSerializer):
    """A rule with the plan version holding it (a change to a version with paid lines opens a
    new version: the answer names it)."""

    plan_version = serializers.SerializerMethodField()

    class Meta(RuleSerializer.Meta):
        fields = [*RuleSerializer.Meta.fields, "plan_version"]
        read_only_fields = fields

    def get_plan_version(self, rule: CommissionRule) -> int:
        return rule.version_id


# --- Spiffs ------------------------------------------------------------------------------------


class SpiffSerializer(serializers.ModelSerializer):
    tie_policy = TiePolicyField(read_only=True)

    class Meta:
        model = Spiff
        fields = [
            "id", "name", "starts_on", "ends_on", "threshold_amount", "min_deals", "extra_rate",
            "tie_policy", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class SpiffInputSerializer(serializers.Serializer):
    name = NameSerializerField(max_length=120)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    threshold_amount = AmountSerializerField(
        help_text="Won deals of at least this amount (program currency, converted at their "
        "close date) count."
    )
    min_deals = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    extra_rate = rate_field(help_text="Added on top of every commission line of the winner.")
    tie_policy = TiePolicyField(required=False)


SpiffUpdateInputSerializer = _partial(SpiffInputSerializer)


# --- Rep territories ---------------------------------------------------------------------------


class RepTerritorySerializer(serializers.ModelSerializer):
    region = serializers.CharField(
        read_only=True, help_text="A region code (NA, LATAM, EMEA, APAC); blank for a country."
    )

    class Meta:
        model = RepTerritory
        fields = ["id", "country", "region", "rep_name", "rep_email", "created_at", "updated_at"]
        read_only_fields = fields


class RepTerritoryInputSerializer(serializers.Serializer):
    country = serializers.CharField(
        max_length=2, required=False, allow_blank=True,
        help_text="Two-letter ISO code; takes precedence over a region.",
    )  # fmt: skip
    region = RegionField(required=False, allow_blank=True)
    rep_name = NameSerializerField(max_length=150)
    rep_email = serializers.EmailField(max_length=254)


RepTerritoryUpdateInputSerializer = _partial(RepTerritoryInputSerializer)


# --- Runs --------------------------------------------------------------------------------------


class RunSerializer(serializers.ModelSerializer):
    """A calculation of one period and its progress (poll it while it runs)."""

    status = RunStatusField(read_only=True)
    percent_done = serializers.IntegerField(read_only=True)

    class Meta:
        model = CommissionRun
        fields = [
            "id", "period", "status", "rows_total", "rows_done", "percent_done",
            "lines_created", "lines_updated", "error", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields


class RunInputSerializer(serializers.Serializer):
    period = serializers.CharField(max_length=10, help_text="A fiscal quarter, e.g. FY2026-Q3.")


# --- Overrides ---------------------------------------------------------------------------------


class OverrideSerializer(serializers.ModelSerializer):
    deal = DealRefSerializer(read_only=True)
    rule = RuleRefSerializer(read_only=True)
    status = OverrideStatusField(read_only=True)
    currency = serializers.CharField(source="rule.currency", read_only=True)

    class Meta:
        model = CommissionOverride
        fields = [
            "id", "deal", "rule", "rate", "amount", "currency", "below_floor", "status",
            "reason", "created_at", "decided_at", "decision_reason",
        ]  # fmt: skip
        read_only_fields = fields


class OverrideInputSerializer(serializers.Serializer):
    deal = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    rate = rate_field(
        required=False, allow_null=True, help_text="For a percentage rule: the deal's rate."
    )
    amount = AmountSerializerField(
        required=False, allow_null=True, help_text="For a flat-fee rule: the deal's fee."
    )
    reason = serializers.CharField(max_length=2000)


class OverrideDecisionInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000)


class LineReverseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REVERSAL_REASON_LENGTH,
        help_text="Why the line will not be paid: the partner sees it.",
    )


# --- Statements --------------------------------------------------------------------------------


class PayoutInputSerializer(serializers.Serializer):
    amount = AmountSerializerField(
        allow_zero=False, help_text="What was sent: the statement's payable amount."
    )
    paid_on = serializers.DateField(validators=[validate_paid_on])
    external_reference = serializers.CharField(
        max_length=120, validators=[refuse_invisible],
        help_text="The bank transfer or payment system's reference.",
    )  # fmt: skip


class StatementBulkApproveInputSerializer(serializers.Serializer):
    statements = bulk_ids("Statement ids to approve.", max_length=500)
