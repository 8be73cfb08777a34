from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partners.api_keys import DEFAULT_ROTATION_OVERLAP_HOURS, MAX_ROTATION_OVERLAP_HOURS
from partners.models import Partner
from prm.api.throttles import limit_of
from prm.models import ApiKey


class ApiKeyOutputSerializer(serializers.ModelSerializer):
    partner_id = serializers.IntegerField(read_only=True, allow_null=True)
    scopes = serializers.ListField(child=serializers.CharField(), read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    effective_rate_limit = serializers.SerializerMethodField(
        help_text=_("Requests per minute in force (the key's own, else the default).")
    )

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "partner_id",
            "scopes",
            "created_at",
            "last_used_at",
            "revoked_at",
            "expires_at",
            "replaced_by",
            "rate_limit",
            "effective_rate_limit",
            "is_active",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField())
    def get_effective_rate_limit(self, key) -> int:
        return limit_of(key)


class IssuedApiKeySerializer(ApiKeyOutputSerializer):
    key = serializers.CharField(
        read_only=True, help_text=_("The key itself: shown in this answer only, never again.")
    )

    class Meta(ApiKeyOutputSerializer.Meta):
        fields = [*ApiKeyOutputSerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiKeyIssueInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ApiKey.Scope.choices), min_length=1, max_length=20
    )
    partner = serializers.PrimaryKeyRelatedField(
        queryset=Partner.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Bind the key to one partner (required for a partner admin)."),
    )
    rate_limit = serializers.IntegerField(
        min_value=1, max_value=100_000, required=False, allow_null=True
    )


class ApiKeyRotateInputSerializer(serializers.Serializer):
    overlap_hours = serializers.IntegerField(
        min_value=0,
        max_value=MAX_ROTATION_OVERLAP_HOURS,
        default=DEFAULT_ROTATION_OVERLAP_HOURS,
        help_text=_("How long the old key keeps working (0: it stops at once)."),
    )


class ApiKeyRateLimitInputSerializer(serializers.Serializer):
    rate_limit = serializers.IntegerField(min_value=1, max_value=100_000, allow_null=True)
