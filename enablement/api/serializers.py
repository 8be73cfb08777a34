"""Explicit input and output serializers for certifications, reference implementations and tier
standing. Inputs validate what a caller may send; views hand the validated data to services."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partners.models import Partner, Region
from prm.api.schema import named_choice_field
from prm.columns import ColumnBoundSerializer
from prm.models import User
from prm.text import NameSerializerField

from ..models import Certification, PersonCertification, ReferenceImplementation

CertificationKindField = named_choice_field("CertificationKindEnum", Certification.Kind)
PersonCertificationStatusField = named_choice_field(
    "PersonCertificationStatusEnum", PersonCertification.Status
)
PersonCertificationSourceField = named_choice_field(
    "PersonCertificationSourceEnum", PersonCertification.Source
)
ReferenceStatusField = named_choice_field(
    "ReferenceImplementationStatusEnum", ReferenceImplementation.Status
)
CertificationRegionField = named_choice_field("CertificationRegionEnum", Region)


# --- Catalogue --------------------------------------------------------------------------------


class CertificationSerializer(serializers.ModelSerializer):
    kind = CertificationKindField(read_only=True)
    course = serializers.SerializerMethodField()

    class Meta:
        model = Certification
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "validity_months",
            "points",
            "description",
            "course",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_course(self, obj) -> str | None:
        return obj.course.code if obj.course else None


class CertificationRefSerializer(serializers.ModelSerializer):
    kind = CertificationKindField(read_only=True)

    class Meta:
        model = Certification
        fields = ["id", "code", "name", "kind"]
        read_only_fields = fields


class PersonRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name"]
        read_only_fields = fields


class PartnerSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = ["id", "display_name"]
        read_only_fields = fields


# --- Person certifications --------------------------------------------------------------------


class PersonCertificationSerializer(serializers.ModelSerializer):
    user = PersonRefSerializer(read_only=True)
    partner = PartnerSummarySerializer(read_only=True)
    certification = CertificationRefSerializer(read_only=True)
    office = serializers.SerializerMethodField()
    region = CertificationRegionField(read_only=True)
    status = PersonCertificationStatusField(read_only=True)
    source = PersonCertificationSourceField(read_only=True)

    class Meta:
        model = PersonCertification
        fields = [
            "id",
            "user",
            "partner",
            "office",
            "region",
            "certification",
            "earned_on",
            "expires_on",
            "status",
            "verification_code",
            "source",
            "external_id",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_office(self, obj) -> str | None:
        return obj.office.name if obj.office else None


class PersonCertificationInputSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text=_("The certified person's email."))
    certification_code = serializers.CharField(max_length=40)
    earned_on = serializers.DateField()
    partner = serializers.IntegerField(
        required=False, help_text=_("Partner id; needed only when the person has several.")
    )
    office = serializers.CharField(
        required=False, allow_blank=True, max_length=120, help_text=_("Office name.")
    )
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=120)

    def validate_earned_on(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError(_("The completion date is in the future."))
        return value

    def validate(self, attrs):
        # Only the person and certification are found here; their partner and office are
        # resolved by the service (``services.resolve_holder``), as for the portal and import.
        user = User.objects.filter(email__iexact=attrs["email"]).first()
        if user is None:
            raise serializers.ValidationError({"email": _("No person has this email address.")})
        certification = Certification.objects.filter(code=attrs["certification_code"]).first()
        if certification is None:
            raise serializers.ValidationError(
                {"certification_code": _("Unknown certification code.")}
            )
        return {
            "user": user,
            "certification": certification,
            "earned_on": attrs["earned_on"],
            "partner": attrs.get("partner"),
            "office_name": attrs.get("office", ""),
            "external_id": attrs.get("external_id", ""),
        }


# --- Reference implementations ----------------------------------------------------------------


class ReferenceImplementationSerializer(serializers.ModelSerializer):
    partner = PartnerSummarySerializer(read_only=True)
    status = ReferenceStatusField(read_only=True)
    decided_by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ReferenceImplementation
        fields = [
            "id",
            "partner",
            "customer_name",
            "scope",
            "evidence",
            "evidence_url",
            "completed_on",
            "status",
            "submitted_at",
            "decided_by",
            "decided_at",
            "reason",
        ]
        read_only_fields = fields


class ReferenceImplementationInputSerializer(ColumnBoundSerializer):
    partner = serializers.IntegerField(help_text=_("Partner id (one you administer)."))
    customer_name = NameSerializerField(max_length=200)
    scope = serializers.CharField()
    completed_on = serializers.DateField()
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    evidence_url = serializers.URLField(required=False, allow_blank=True, default="")

    class Meta:
        models = (ReferenceImplementation,)


class ReferenceDecisionInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


# --- Tier standing ----------------------------------------------------------------------------


class RequirementStandingSerializer(serializers.Serializer):
    metric = serializers.CharField()
    label = serializers.CharField()
    measured = serializers.BooleanField()
    met = serializers.BooleanField()
    value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    threshold = serializers.DecimalField(max_digits=14, decimal_places=2)
    missing = serializers.ListField(child=serializers.CharField())
    units_short = serializers.ListField(
        child=serializers.CharField(), help_text=_("Offices or regions below the threshold.")
    )


class TierStandingSerializer(serializers.Serializer):
    tier = serializers.SerializerMethodField()
    met = serializers.BooleanField()
    requirements = RequirementStandingSerializer(many=True)

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "rank": {"type": "integer"},
                "name": {"type": "string"},
            },
        }
    )
    def get_tier(self, obj) -> dict:
        return {"id": obj.tier.pk, "rank": obj.tier.rank, "name": obj.tier.name}


class PartnerStandingSerializer(serializers.Serializer):
    partner = PartnerSummarySerializer()
    current = TierStandingSerializer(allow_null=True)
    next = TierStandingSerializer(allow_null=True)
