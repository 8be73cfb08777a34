"""Read-only scorecard endpoints under /api/v1/scorecards/, scoped like the portal pages."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from partners.api.serializers import PartnerRefSerializer
from prm.api.filters import IdFilter
from prm.api.schema import error_responses
from prm.api.views import ListMixin, ServiceViewSet

from . import selectors, services
from .criteria import Criterion, Health, Source
from .models import Scorecard


class CriterionResultSerializer(serializers.Serializer):
    criterion = serializers.ChoiceField(choices=Criterion.choices)
    label = serializers.CharField()
    source = serializers.ChoiceField(choices=Source.choices)
    weight = serializers.IntegerField()
    value = serializers.CharField(
        allow_null=True, help_text=_("The measured value, or the 1-5 rating; null: missing.")
    )
    unit = serializers.CharField(default="")
    target = serializers.CharField(allow_null=True, help_text=_("Value for full marks."))
    lower_is_better = serializers.BooleanField(default=False)
    score = serializers.CharField(allow_null=True, help_text=_("0-100; null: not counted."))
    missing = serializers.BooleanField()
    note = serializers.CharField(default="", help_text=_("The rating's note."))


class CountSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()


class ObligationsSerializer(serializers.Serializer):
    checkins = CountSerializer(help_text=_("Business plan check-ins held of those due."))
    mdf_payments = CountSerializer(help_text=_("MDF payments made within 30 days of approval."))
    deal_decisions = CountSerializer(help_text=_("Deal decisions made within the SLA."))
    leads_passed = serializers.IntegerField()


class ScorecardSerializer(serializers.ModelSerializer):
    partner = PartnerRefSerializer(read_only=True)
    score = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    criteria = CriterionResultSerializer(many=True)
    obligations = ObligationsSerializer()

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "partner",
            "quarter",
            "period_start",
            "period_end",
            "template_name",
            "score",
            "health",
            "green_from",
            "amber_from",
            "is_final",
            "computed_at",
            "criteria",
            "obligations",
        ]
        read_only_fields = fields


class RatingInputSerializer(serializers.Serializer):
    criterion = serializers.ChoiceField(
        choices=Criterion.choices, help_text=_("A rated criterion of this scorecard.")
    )
    rating = serializers.IntegerField(min_value=1, max_value=5)
    note = serializers.CharField(
        max_length=2000, help_text=_("Why this rating: the partner reads it.")
    )


class ScorecardFilter(django_filters.FilterSet):
    partner = IdFilter(field_name="partner_id", help_text=_("Partner id."))
    quarter = django_filters.CharFilter(help_text=_("Fiscal quarter, e.g. FY2027-Q1."))
    health = django_filters.ChoiceFilter(choices=Health.choices)

    class Meta:
        model = Scorecard
        fields = ["partner", "quarter", "health"]


@extend_schema_view(
    list=extend_schema(summary="Partner scorecards in your scope"),
    retrieve=extend_schema(summary="One scorecard with its criteria and the vendor's obligations"),
)
class ScorecardViewSet(ListMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    api_area = "scorecards"
    queryset = Scorecard.objects.none()
    serializer_class = ScorecardSerializer
    filterset_class = ScorecardFilter
    ordering_fields = ["period_start", "score"]
    ordering = ["-period_start", "id"]

    def get_queryset(self):
        return selectors.scorecards_visible_to(self.request.user)

    @extend_schema(
        summary="Rate a rated criterion 1-5 with a note (the partner's channel account manager)",
        request=RatingInputSerializer,
        responses={200: ScorecardSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def ratings(self, request, pk=None):
        data = self.validated_input(RatingInputSerializer)
        card = services.rate_criterion(actor=request.user, scorecard=self.get_object(), **data)
        return Response(ScorecardSerializer(self.get_queryset().get(pk=card.pk)).data)
