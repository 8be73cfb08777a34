from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from partners.api.serializers import PartnerRefSerializer, TierRefSerializer, UserRefSerializer
from partners.models import Tier
from prm.api.schema import named_choice_field
from prm.columns import ColumnBoundSerializer

from ..models import ProposalApplication, TierProposal, TierReview


class TierReviewSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = TierReview
        fields = [
            "id",
            "quarter",
            "period_start",
            "period_end",
            "effective_on",
            "status",
            "partners_total",
            "partners_done",
            "percent",
            "promote_count",
            "demote_count",
            "hold_count",
            "warned_count",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class SkippedProposalSerializer(serializers.Serializer):
    proposal = serializers.IntegerField(source="id", help_text=_("Proposal id."))
    partner = serializers.CharField(source="label")
    reason = serializers.CharField(help_text=_("Why it was left as it was."))


class ProposalApplicationSerializer(serializers.ModelSerializer):
    """A bulk application of decided proposals, run by a worker (poll it for progress)."""

    review = serializers.IntegerField(source="review_id", read_only=True)
    status = named_choice_field("ProposalApplicationStatusEnum", ProposalApplication.Status)(
        read_only=True
    )
    requested_by = UserRefSerializer(read_only=True, allow_null=True)
    percent = serializers.IntegerField(read_only=True)
    applied_count = serializers.IntegerField(source="succeeded", read_only=True)
    skipped_count = serializers.IntegerField(read_only=True)
    skipped = SkippedProposalSerializer(many=True, read_only=True)

    class Meta:
        model = ProposalApplication
        fields = [
            "id",
            "review",
            "status",
            "effective_on",
            "total",
            "done",
            "percent",
            "applied_count",
            "skipped_count",
            "skipped",
            "error",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class TierProposalSerializer(serializers.ModelSerializer):
    quarter = serializers.CharField(source="review.quarter", read_only=True)
    partner = PartnerRefSerializer(read_only=True)
    current_tier = TierRefSerializer(read_only=True, allow_null=True)
    proposed_tier = TierRefSerializer(read_only=True, allow_null=True)
    override_tier = TierRefSerializer(read_only=True, allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    metrics = serializers.DictField(
        read_only=True, help_text=_("Measured values and each tier's verdict at quarter end.")
    )
    score = serializers.DecimalField(max_digits=5, decimal_places=1, read_only=True)

    class Meta:
        model = TierProposal
        fields = [
            "id",
            "review",
            "quarter",
            "partner",
            "action",
            "current_tier",
            "proposed_tier",
            "score",
            "below_requirements",
            "misses",
            "warned",
            "reasons",
            "metrics",
            "decision",
            "override_tier",
            "decision_reason",
            "decided_at",
            "effective_on",
            "applied_at",
        ]
        read_only_fields = fields


class DecisionInputSerializer(ColumnBoundSerializer):
    approve = serializers.BooleanField(help_text=_("True approves; false overrides."))
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text=_("Required to override."),
    )
    tier = serializers.PrimaryKeyRelatedField(
        queryset=Tier.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("When overriding: the tier to apply instead (null keeps the current tier)."),
    )


class ApplyInputSerializer(ColumnBoundSerializer):
    effective_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Default: the day after the reviewed quarter."),
    )
