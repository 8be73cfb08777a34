"""Output serializers of the commission API (read-only: every write is a portal action of
program operations). Amounts are strings rounded to their currency's minor unit."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deals.models import (
    CommissionLine,
    CommissionPlan,
    CommissionPlanVersion,
    CommissionRule,
    Payout,
    Statement,
)
from partners.api.serializers import PartnerRefSerializer
from partners.models import BusinessModel
from prm.api.schema import named_choice_field as choice_field
from prm.money import quantize

from ..selectors import statement_totals

LineKindField = choice_field("CommissionLineKindEnum", CommissionLine.Kind)
LineStatusField = choice_field("CommissionLineStatusEnum", CommissionLine.Status)
StatementStatusField = choice_field("CommissionStatementStatusEnum", Statement.Status)
RuleKindField = choice_field("CommissionRuleKindEnum", CommissionRule.Kind)

AMOUNT_SCHEMA = {
    "type": "string",
    "format": "decimal",
    "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
    "example": "1250.00",
}


@extend_schema_field(AMOUNT_SCHEMA)
class MinorUnitAmountField(serializers.Field):
    """``attribute`` of the object, rounded to the minor unit of its ``currency``."""

    def __init__(self, attribute: str, *, currency_attribute: str = "currency", **kwargs):
        self.attribute, self.currency_attribute = attribute, currency_attribute
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        amount = getattr(value, self.attribute)
        return str(quantize(amount, getattr(value, self.currency_attribute)))


# --- Plans -----------------------------------------------------------------------------------


def _selector(choices) -> serializers.ChoiceField:
    """A rule selector: one of ``choices``, or "" when the rule matches any value."""
    return serializers.ChoiceField(choices=choices.choices, allow_blank=True, read_only=True)


class RuleSerializer(serializers.ModelSerializer):
    kind = RuleKindField(read_only=True)
    business_model = _selector(BusinessModel)
    engagement = _selector(CommissionRule.Engagement)
    sourcing = _selector(CommissionRule.Sourcing)
    tier = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = CommissionRule
        fields = [
            "id", "name", "business_model", "tier", "engagement", "sourcing", "product_line",
            "kind", "rate", "amount", "currency", "periods", "floor_rate", "floor_amount",
            "priority",
        ]  # fmt: skip
        read_only_fields = fields


class PlanVersionSerializer(serializers.ModelSerializer):
    rules = RuleSerializer(many=True, read_only=True)

    class Meta:
        model = CommissionPlanVersion
        fields = ["id", "number", "effective_from", "effective_to", "notes", "rules"]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    versions = PlanVersionSerializer(many=True, read_only=True)

    class Meta:
        model = CommissionPlan
        fields = ["id", "name", "description", "created_at", "versions"]
        read_only_fields = fields


# --- Lines, statements, payouts --------------------------------------------------------------


class RuleRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommissionRule
        fields = ["id", "name"]
        read_only_fields = fields


class PlanVersionRefSerializer(serializers.ModelSerializer):
    plan = serializers.PrimaryKeyRelatedField(read_only=True)
    plan_name = serializers.CharField(source="plan.name", read_only=True)

    class Meta:
        model = CommissionPlanVersion
        fields = ["id", "plan", "plan_name", "number"]
        read_only_fields = fields


class DealRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    customer_name = serializers.CharField(read_only=True)


class SpiffRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class LineSerializer(serializers.ModelSerializer):
    partner = PartnerRefSerializer(read_only=True)
    deal = DealRefSerializer(read_only=True)
    rule = RuleRefSerializer(read_only=True)
    plan_version = PlanVersionRefSerializer(read_only=True)
    spiff = SpiffRefSerializer(read_only=True, allow_null=True)
    kind = LineKindField(read_only=True)
    status = LineStatusField(read_only=True)
    base_amount = MinorUnitAmountField("base_amount")
    amount = MinorUnitAmountField("amount")
    payable_from = serializers.DateField(source="hold_until", read_only=True, allow_null=True)
    payout = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = CommissionLine
        fields = [
            "id", "partner", "deal", "period", "kind", "status", "currency", "base_amount",
            "rate", "multiplier", "amount", "payable_from", "reason", "reversal_reason", "rule",
            "plan_version", "spiff", "payout", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class StatementTotalsSerializer(serializers.Serializer):
    opening = MinorUnitAmountField("opening")
    earned = MinorUnitAmountField("earned")
    clawed_back = MinorUnitAmountField("clawed_back")
    pending = MinorUnitAmountField("pending")
    held = MinorUnitAmountField("held")
    approved = MinorUnitAmountField("approved")
    paid = MinorUnitAmountField("paid")
    paid_out = MinorUnitAmountField("paid_out")
    closing = MinorUnitAmountField("closing")
    payable = MinorUnitAmountField("payable")


class StatementSerializer(serializers.ModelSerializer):
    partner = PartnerRefSerializer(read_only=True)
    status = StatementStatusField(read_only=True)

    class Meta:
        model = Statement
        fields = ["id", "partner", "period", "currency", "status", "approved_at", "created_at"]
        read_only_fields = fields


class StatementDetailSerializer(StatementSerializer):
    """A statement with its totals (derived from its lines and payouts)."""

    totals = serializers.SerializerMethodField()

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "totals"]
        read_only_fields = fields

    @extend_schema_field(StatementTotalsSerializer)
    def get_totals(self, statement: Statement) -> dict:
        return StatementTotalsSerializer(statement_totals(statement)).data


class PayoutSerializer(serializers.ModelSerializer):
    partner = PartnerRefSerializer(read_only=True)
    statement = serializers.PrimaryKeyRelatedField(read_only=True)
    period = serializers.CharField(source="statement.period", read_only=True)
    amount = MinorUnitAmountField("amount")

    class Meta:
        model = Payout
        fields = [
            "id", "partner", "statement", "period", "currency", "amount", "paid_on",
            "external_reference", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
