"""Explicit input and output serializers for the MDF API. Inputs check the shape of what a
caller sends (the business rules and their messages stay in the services); outputs shape what a
caller reads. None of them writes to the database."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deals.api.serializers import (  # noqa: F401  (shared with the deals API)
    CurrencyField,
    OptionalReasonInputSerializer,
    ReasonInputSerializer,
)
from mdf.models import (
    ActivityType,
    Claim,
    ClaimExtension,
    Fund,
    FundRequest,
    LedgerEntry,
    MdfPayment,
    ProofFile,
    ProofKind,
)
from mdf.requests.selectors import activity_types, requesting_partners
from partners.api.serializers import PartnerRefSerializer, UserRefSerializer
from partners.models import BusinessModel
from prm.api.schema import named_choice_field as choice_field
from prm.columns import ColumnBoundSerializer
from prm.money import AmountSerializerField
from prm.text import NameSerializerField

RequestStatusField = choice_field("MdfRequestStatusEnum", FundRequest.Status)
ClaimStatusField = choice_field("MdfClaimStatusEnum", Claim.Status)
ExtensionStatusField = choice_field("MdfExtensionStatusEnum", ClaimExtension.Status)
EntryKindField = choice_field("MdfLedgerKindEnum", LedgerEntry.Kind)
ProofKindField = choice_field("MdfProofKindEnum", ProofKind)
ActivityCategoryField = choice_field("MdfActivityCategoryEnum", ActivityType.Category)
BusinessModelField = choice_field("MdfBusinessModelEnum", BusinessModel)

MONEY = {"max_digits": 16, "decimal_places": 2, "read_only": True}


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(**MONEY, **kwargs)


# --- Funds and balances ----------------------------------------------------------------------


class FundOutputSerializer(serializers.ModelSerializer):
    """A fund with its balances from the ledger (``mdf.funds.selectors.with_balances``)."""

    partner = PartnerRefSerializer(read_only=True)
    currency = CurrencyField(read_only=True)
    credited = money()
    accrued = money()
    allocated = money()
    available = money()
    committed = money()
    paid = money()
    expired = money()
    carried_out = money()

    class Meta:
        model = Fund
        fields = [
            "id", "partner", "period", "starts_on", "ends_on", "expires_on", "currency",
            "credited", "accrued", "allocated", "available", "committed", "paid", "expired",
            "carried_out",
        ]  # fmt: skip
        read_only_fields = fields


class LedgerEntryOutputSerializer(serializers.ModelSerializer):
    kind = EntryKindField(read_only=True)
    actor = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id", "fund", "sequence", "kind", "amount", "available_after", "committed_after",
            "request", "payment", "source_month", "reason", "actor", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class PeriodBalanceSerializer(serializers.Serializer):
    fund = serializers.IntegerField(source="fund.pk", read_only=True)
    period = serializers.CharField(read_only=True)
    expires_on = serializers.DateField(source="fund.expires_on", read_only=True)
    expires_in_days = serializers.IntegerField(read_only=True, allow_null=True)
    expiring_soon = serializers.BooleanField(read_only=True)
    credited = money(source="balance.credited")
    available = money(source="balance.available")
    committed = money(source="balance.committed")
    paid = money(source="balance.paid")
    expired = money(source="balance.expired")


class PartnerBalanceSerializer(serializers.Serializer):
    partner = PartnerRefSerializer(read_only=True)
    credited = money(source="total.credited")
    available = money(source="total.available")
    committed = money(source="total.committed")
    paid = money(source="total.paid")
    expired = money(source="total.expired")
    expiring_soon = money()
    requestable = money()  # the available money of the funds open today
    next_expiry = serializers.DateField(read_only=True, allow_null=True)
    periods = PeriodBalanceSerializer(many=True, read_only=True)


class AllocationInputSerializer(serializers.Serializer):
    partner = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    amount = AmountSerializerField()
    reason = serializers.CharField(max_length=500)


# --- Activity menu ---------------------------------------------------------------------------


class ActivityTypeOutputSerializer(serializers.ModelSerializer):
    category = ActivityCategoryField(read_only=True)
    required_proof = serializers.ListField(child=ProofKindField(), read_only=True)
    business_models = serializers.ListField(child=BusinessModelField(), read_only=True)

    class Meta:
        model = ActivityType
        fields = [
            "id", "name", "category", "description", "max_vendor_share", "required_proof",
            "business_models", "is_active",
        ]  # fmt: skip
        read_only_fields = fields


# --- Requests and claims ---------------------------------------------------------------------


class ProofFileOutputSerializer(serializers.ModelSerializer):
    kind = ProofKindField(read_only=True)
    uploaded_by = UserRefSerializer(read_only=True)

    class Meta:
        model = ProofFile
        fields = ["id", "kind", "original_name", "content_type", "size", "uploaded_by",
                  "uploaded_at"]  # fmt: skip
        read_only_fields = fields


class ClaimOutputSerializer(serializers.ModelSerializer):
    status = ClaimStatusField(read_only=True)
    proof_files = ProofFileOutputSerializer(many=True, read_only=True)
    registrations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id", "status", "actual_cost", "claimed_amount", "approved_amount", "leads",
            "pipeline", "notes", "registrations", "proof_files", "submitted_at", "decided_at",
            "decision_reason",
        ]  # fmt: skip
        read_only_fields = fields


class RequestOutputSerializer(serializers.ModelSerializer):
    partner = PartnerRefSerializer(read_only=True)
    activity_type = serializers.PrimaryKeyRelatedField(read_only=True)
    status = RequestStatusField(read_only=True)
    currency = CurrencyField(read_only=True)
    created_by = UserRefSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)
    claim = serializers.SerializerMethodField()

    class Meta:
        model = FundRequest
        fields = [
            "id", "partner", "activity_type", "title", "description", "starts_on", "ends_on",
            "currency", "planned_cost", "partner_contribution", "requested_amount",
            "approved_amount", "target_audience", "expected_leads", "expected_pipeline",
            "status", "needs_ops", "fund", "created_by", "created_at", "submitted_at",
            "decision_due_at", "cam_approved_at", "decided_by", "decided_at", "decision_reason",
            "claim_due_on", "claim",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ClaimOutputSerializer(allow_null=True))
    def get_claim(self, request):
        claim = getattr(request, "claim", None) if hasattr(request, "claim") else None
        return ClaimOutputSerializer(claim).data if claim is not None else None


class RequestFieldsSerializer(ColumnBoundSerializer):
    activity_type = serializers.PrimaryKeyRelatedField(queryset=ActivityType.objects.none())
    title = NameSerializerField(max_length=200)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    planned_cost = AmountSerializerField()
    partner_contribution = AmountSerializerField()
    requested_amount = AmountSerializerField()
    target_audience = NameSerializerField(max_length=300, required=False, allow_blank=True)
    expected_leads = serializers.IntegerField(min_value=0, max_value=2_000_000_000, required=False)
    expected_pipeline = AmountSerializerField(required=False)

    class Meta:
        models = (FundRequest,)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity_type"].queryset = activity_types()


class RequestChangeInputSerializer(RequestFieldsSerializer):
    """The fields of a draft or returned request to change (``PATCH``: only those sent)."""


class RequestInputSerializer(RequestFieldsSerializer):
    partner = serializers.PrimaryKeyRelatedField(
        queryset=FundRequest.objects.none(),
        required=False,
        help_text=_("Partner id; needed only when you belong to several partners."),
    )
    submit = serializers.BooleanField(
        default=True, help_text=_("Submit for approval at once (default) or keep a draft.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["partner"].queryset = requesting_partners(request.user)

    def validate(self, attrs):
        if "partner" not in attrs:
            request = self.context.get("request")
            partners = list(requesting_partners(request.user)[:2]) if request else []
            if len(partners) != 1:
                raise serializers.ValidationError(
                    {"partner": [_("Say which partner this request is for.")]}
                )
            attrs["partner"] = partners[0]
        return attrs


class ApproveInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    amount = AmountSerializerField(
        required=False, allow_null=True, help_text=_("Less than asked for is a partial approval.")
    )


class ClaimInputSerializer(serializers.Serializer):
    actual_cost = AmountSerializerField()
    claimed_amount = AmountSerializerField()
    leads = serializers.IntegerField(min_value=0, max_value=2_000_000_000, required=False)
    pipeline = AmountSerializerField(required=False)
    notes = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    registrations = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=200,
        help_text=_("Ids of your deal registrations the activity produced."),
    )


class ProofInputSerializer(serializers.Serializer):
    kind = ProofKindField()
    file = serializers.FileField(
        max_length=255, help_text=_("PDF, PNG, JPEG, DOCX, PPTX or XLSX; checked by content.")
    )


class ClaimExtensionInputSerializer(serializers.Serializer):
    until = serializers.DateField(help_text=_("The new claim due date."))
    reason = serializers.CharField(max_length=10_000)


class ClaimExtensionOutputSerializer(serializers.ModelSerializer):
    status = ExtensionStatusField(read_only=True)
    requested_by = UserRefSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ClaimExtension
        fields = [
            "id", "request", "requested_until", "previous_due_on", "reason", "status",
            "requested_by", "created_at", "decided_by", "decided_at", "decision_reason",
        ]  # fmt: skip
        read_only_fields = fields


# --- Payments --------------------------------------------------------------------------------


class PaymentOutputSerializer(serializers.ModelSerializer):
    partner = PartnerRefSerializer(read_only=True)
    currency = CurrencyField(read_only=True)
    recorded_by = UserRefSerializer(read_only=True)

    class Meta:
        model = MdfPayment
        fields = ["id", "request", "partner", "amount", "currency", "paid_on", "reference",
                  "recorded_by", "created_at"]  # fmt: skip
        read_only_fields = fields


class PaymentLineSerializer(serializers.Serializer):
    request = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    amount = AmountSerializerField()
    paid_on = serializers.DateField()
    reference = serializers.CharField(max_length=120)


class PaymentBatchInputSerializer(serializers.Serializer):
    payments = PaymentLineSerializer(many=True, allow_empty=False, max_length=1000)


class PaymentBatchOutputSerializer(serializers.Serializer):
    payments = PaymentOutputSerializer(many=True, read_only=True)
