"""Explicit input and output serializers for the deals API. Inputs check the shape of what a
caller sends (the business rules and their messages stay in the services); outputs shape what a
caller reads. None of them writes to the database."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deals.conflicts import first_registered
from deals.models import (
    CustomerAccount,
    DealConflict,
    DealRegistration,
    ExtensionRequest,
    Lead,
    LeadOffer,
    Opportunity,
)
from deals.selectors import registrable_partners
from partners.api.serializers import PartnerRefSerializer, RegionField, UserRefSerializer
from prm.api.representation import ReadOnlyOutputMixin
from prm.api.schema import named_choice_field as choice_field
from prm.columns import ColumnBoundSerializer
from prm.money import CURRENCY_CHOICES, AmountSerializerField
from prm.text import NameSerializerField

DealStatusField = choice_field("DealStatusEnum", DealRegistration.Status)
SourcingField = choice_field("DealSourcingEnum", DealRegistration.Sourcing)
EngagementField = choice_field("DealEngagementEnum", DealRegistration.Engagement)
ConflictResolutionField = choice_field("ConflictResolutionEnum", DealConflict.Resolution)
LeadStatusField = choice_field("LeadStatusEnum", Lead.Status)
LeadOfferOutcomeField = choice_field("LeadOfferOutcomeEnum", LeadOffer.Outcome)
OpportunityStageField = choice_field("OpportunityStageEnum", Opportunity.Stage)
ExtensionStatusField = choice_field("ExtensionStatusEnum", ExtensionRequest.Status)


class CurrencyField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=CURRENCY_CHOICES, **kwargs)


# --- Registrations ------------------------------------------------------------------------------


class RegistrationOutputSerializer(ReadOnlyOutputMixin, serializers.ModelSerializer):
    partner = PartnerRefSerializer(read_only=True)
    distributor = PartnerRefSerializer(read_only=True, allow_null=True)
    registered_by = UserRefSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True, allow_null=True)
    status = DealStatusField(read_only=True)
    sourcing = SourcingField(read_only=True)
    engagement = EngagementField(read_only=True)
    currency = CurrencyField(read_only=True)
    product_lines = serializers.ListField(child=serializers.CharField(), read_only=True)
    closed_products = serializers.ListField(child=serializers.CharField(), read_only=True)
    sla_breached = serializers.BooleanField(read_only=True)
    source_lead = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = DealRegistration
        fields = [
            "id",
            "partner",
            "distributor",
            "registered_by",
            "customer_name",
            "customer_domain",
            "contact_name",
            "contact_email",
            "country",
            "industry",
            "product_lines",
            "estimated_amount",
            "currency",
            "expected_close_date",
            "sourcing",
            "engagement",
            "notes",
            "external_ref",
            "external_id",
            "status",
            "created_at",
            "updated_at",
            "first_submitted_at",
            "submitted_at",
            "resubmission_count",
            "sla_due_at",
            "sla_breached",
            "decided_at",
            "decided_by",
            "decision_reason",
            "protected_until",
            "extension_count",
            "closed_amount",
            "closed_on",
            "closed_products",
            "discount_amount",
            "cost_amount",
            "lost_reason",
            "source_lead",
        ]
        read_only_fields = fields


# The related rows a registration's answer shows, with their serializers.
REGISTRATION_REFERENCES = {
    "partner": PartnerRefSerializer,
    "distributor": PartnerRefSerializer,
    "registered_by": UserRefSerializer,
    "decided_by": UserRefSerializer,
}


class RegistrationFieldsSerializer(ColumnBoundSerializer):
    """The registration fields shared by creating a registration and converting a lead."""

    customer_name = NameSerializerField(max_length=200)
    customer_domain = serializers.CharField(max_length=253, required=False, allow_blank=True)
    contact_name = NameSerializerField(max_length=150, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, help_text=_("ISO 3166 code, e.g. US."))
    industry = serializers.CharField(max_length=80, required=False, allow_blank=True)
    product_lines = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, max_length=50
    )
    estimated_amount = AmountSerializerField(allow_zero=False)
    currency = CurrencyField()
    expected_close_date = serializers.DateField()
    sourcing = SourcingField(required=False)
    engagement = EngagementField(required=False)
    notes = serializers.CharField(max_length=10_000, required=False, allow_blank=True)

    class Meta:
        models = (DealRegistration,)


class RegistrationInputSerializer(RegistrationFieldsSerializer):
    partner = serializers.PrimaryKeyRelatedField(
        queryset=DealRegistration.objects.none(),
        required=False,
        help_text=_(
            "Partner id. Needed only when you may register for several partners (a "
            "distributor registering for a reseller)."
        ),
    )
    external_ref = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text=_("Your CRM's id for this deal; a second registration with it is refused."),
    )
    submit = serializers.BooleanField(
        default=True, help_text=_("Submit for review at once (default) or keep a draft.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None:
            self.fields["partner"].queryset = registrable_partners(user)

    def validate(self, attrs):
        if "partner" not in attrs:
            request = self.context.get("request")
            partners = list(registrable_partners(request.user)[:2]) if request else []
            if len(partners) != 1:
                raise serializers.ValidationError(
                    {"partner": [_("Say which partner this registration is for.")]}
                )
            attrs["partner"] = partners[0]
        return attrs


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=10_000)


class OptionalReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=10_000, required=False, allow_blank=True)


class OutcomeInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[("won", _("Won")), ("lost", _("Lost"))])
    closed_amount = AmountSerializerField(required=False, allow_null=True)
    closed_on = serializers.DateField(required=False, allow_null=True)
    closed_products = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, max_length=50
    )
    discount_amount = AmountSerializerField(required=False, allow_null=True)
    cost_amount = AmountSerializerField(required=False, allow_null=True)
    lost_reason = serializers.CharField(max_length=10_000, required=False, allow_blank=True)


class ExtensionOutputSerializer(serializers.ModelSerializer):
    status = ExtensionStatusField(read_only=True)
    requested_by = UserRefSerializer(read_only=True)

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "registration",
            "status",
            "reason",
            "requested_by",
            "requested_at",
            "decided_at",
            "decision_reason",
            "new_protected_until",
        ]
        read_only_fields = fields


# --- Conflicts ----------------------------------------------------------------------------------


class ConflictRegistrationSerializer(serializers.ModelSerializer):
    partner = PartnerRefSerializer(read_only=True)
    status = DealStatusField(read_only=True)

    class Meta:
        model = DealRegistration
        fields = [
            "id",
            "partner",
            "customer_name",
            "customer_domain",
            "contact_email",
            "country",
            "estimated_amount",
            "currency",
            "status",
            "first_submitted_at",
            "protected_until",
        ]
        read_only_fields = fields


class EvidenceSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(
        choices=["domain", "email_domain", "name", "country", "same_partner"], read_only=True
    )
    value = serializers.CharField(read_only=True)
    similarity = serializers.FloatField(read_only=True)


class OpportunityRefSerializer(serializers.ModelSerializer):
    account_crm_id = serializers.CharField(source="account.crm_id", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    stage = OpportunityStageField(read_only=True)

    class Meta:
        model = Opportunity
        fields = ["id", "crm_id", "name", "account_crm_id", "account_name", "stage", "created_at"]
        read_only_fields = fields


class ConflictOutputSerializer(serializers.ModelSerializer):
    registration = ConflictRegistrationSerializer(read_only=True)
    existing_registration = ConflictRegistrationSerializer(read_only=True, allow_null=True)
    existing_opportunity = OpportunityRefSerializer(read_only=True, allow_null=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    resolution = ConflictResolutionField(read_only=True)
    resolved_by = UserRefSerializer(read_only=True, allow_null=True)
    first_registered = serializers.SerializerMethodField(
        help_text=_("Id of the registration registered first (null against an opportunity).")
    )

    class Meta:
        model = DealConflict
        fields = [
            "id",
            "registration",
            "existing_registration",
            "existing_opportunity",
            "score",
            "evidence",
            "first_registered",
            "resolution",
            "resolution_reason",
            "resolved_by",
            "resolved_at",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_first_registered(self, conflict) -> int | None:
        first = first_registered(conflict)
        return first.pk if first else None


class ConflictResolveInputSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(
        choices=[
            (value, label)
            for value, label in DealConflict.Resolution.choices
            if value != DealConflict.Resolution.OPEN
        ]
    )
    reason = serializers.CharField(max_length=10_000)


# --- Leads --------------------------------------------------------------------------------------


class LeadOutputSerializer(serializers.ModelSerializer):
    status = LeadStatusField(read_only=True)
    partner = PartnerRefSerializer(read_only=True, allow_null=True)
    region = serializers.CharField(read_only=True)
    currency = CurrencyField(read_only=True)
    awaiting_answer = serializers.BooleanField(read_only=True)
    registration = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "company_name",
            "contact_name",
            "contact_email",
            "country",
            "region",
            "industry",
            "specialty",
            "description",
            "estimated_amount",
            "currency",
            "status",
            "partner",
            "offered_at",
            "accept_by",
            "awaiting_answer",
            "responded_at",
            "rejection_reason",
            "registration",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_registration(self, lead) -> int | None:
        registration = getattr(lead, "registration", None)
        return registration.pk if registration else None


class LeadInputSerializer(ColumnBoundSerializer):
    company_name = NameSerializerField(max_length=200)
    contact_name = NameSerializerField(max_length=150, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, help_text=_("ISO 3166 code, e.g. US."))
    region = RegionField(required=False, allow_blank=True)
    industry = serializers.CharField(max_length=80, required=False, allow_blank=True)
    specialty = serializers.CharField(max_length=120, required=False, allow_blank=True)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    estimated_amount = AmountSerializerField(required=False, allow_null=True, allow_zero=False)
    currency = CurrencyField(required=False)
    route = serializers.BooleanField(
        default=False, help_text=_("Offer the lead at once through the routing rules.")
    )

    class Meta:
        models = (Lead,)


class LeadConvertInputSerializer(RegistrationFieldsSerializer):
    """Fields not sent are taken from the lead."""

    customer_name = NameSerializerField(max_length=200, required=False)
    country = serializers.CharField(max_length=2, required=False)
    estimated_amount = AmountSerializerField(required=False, allow_zero=False)
    currency = CurrencyField(required=False)


class LeadOfferOutputSerializer(serializers.ModelSerializer):
    partner = PartnerRefSerializer(read_only=True)
    outcome = LeadOfferOutcomeField(read_only=True)

    class Meta:
        model = LeadOffer
        fields = ["id", "lead", "partner", "offered_at", "accept_by", "outcome", "responded_at"]
        read_only_fields = fields


# --- Vendor accounts and opportunities -----------------------------------------------------------


class AccountOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomerAccount
        fields = ["crm_id", "name", "normalized_name", "domain", "country", "updated_at"]
        # ``crm_id`` is these records' external id (the upsert key of PUT /accounts/{crm_id}/).
        read_only_fields = fields


class AccountInputSerializer(ColumnBoundSerializer):
    name = NameSerializerField(max_length=200)
    domain = serializers.CharField(
        max_length=253, required=False, allow_blank=True, help_text=_("Website or domain.")
    )
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)

    class Meta:
        models = (CustomerAccount,)


class OpportunityOutputSerializer(serializers.ModelSerializer):
    account_crm_id = serializers.CharField(source="account.crm_id", read_only=True)
    stage = OpportunityStageField(read_only=True)
    currency = CurrencyField(read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "crm_id",
            "account_crm_id",
            "name",
            "stage",
            "amount",
            "currency",
            "owner_email",
            "expected_close_date",
            "updated_at",
        ]
        read_only_fields = fields


class OpportunityInputSerializer(ColumnBoundSerializer):
    account_crm_id = serializers.CharField(max_length=64)
    name = NameSerializerField(max_length=200)
    stage = OpportunityStageField()
    amount = AmountSerializerField(required=False, allow_null=True)
    currency = CurrencyField(required=False)
    owner_email = serializers.EmailField(required=False, allow_blank=True)
    expected_close_date = serializers.DateField(required=False, allow_null=True)

    class Meta:
        models = (Opportunity,)
