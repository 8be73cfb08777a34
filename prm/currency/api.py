"""``/api/v1/exchange-rates/``: the rates sums across currencies use. Program ops only, as the
portal's pages: read them, enter one, or import many (``currency,rate,effective_on`` CSV text,
a report line per refused row), through the portal's services."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from partners.api.permissions import IsProgramOps
from prm.api.schema import error_responses
from prm.api.views import ListMixin, ServiceViewSet

from . import selectors, services
from .models import ExchangeRate

_errors = error_responses


class ExchangeRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExchangeRate
        fields = ["id", "currency", "rate", "effective_on", "created_at", "updated_at"]
        read_only_fields = fields


class ExchangeRateInputSerializer(serializers.Serializer):
    currency = serializers.CharField(max_length=3)
    rate = serializers.CharField(max_length=40, help_text="Decimal text, e.g. 1.0825.")
    effective_on = serializers.DateField()
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ExchangeRateImportInputSerializer(serializers.Serializer):
    csv = serializers.CharField(
        max_length=2_000_000, help_text="CSV text with the header currency,rate,effective_on."
    )


class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    message = serializers.CharField()


class ExchangeRateImportOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    errors = ImportErrorSerializer(many=True)


@extend_schema_view(
    list=extend_schema(summary="Exchange rates (program ops)"),
    retrieve=extend_schema(summary="One exchange rate"),
)
class ExchangeRateViewSet(ListMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    api_area = "program"
    queryset = ExchangeRate.objects.none()
    serializer_class = ExchangeRateSerializer
    permission_classes = [*ServiceViewSet.permission_classes, IsProgramOps]
    filterset_fields = ["currency"]
    ordering_fields = ["effective_on", "currency"]
    ordering = ["currency", "-effective_on"]

    def get_queryset(self):
        return selectors.exchange_rates()

    @extend_schema(
        summary="Enter a rate, or correct the rate of that currency and day (program ops)",
        request=ExchangeRateInputSerializer,
        responses={201: ExchangeRateSerializer, **_errors(400, 403)},
    )
    def create(self, request):
        data = self.validated_input(ExchangeRateInputSerializer)
        rate = services.set_exchange_rate(actor=request.user, **data)
        return Response(ExchangeRateSerializer(rate).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Import rates from CSV text (program ops): valid rows saved, others reported",
        request=ExchangeRateImportInputSerializer,
        responses={200: ExchangeRateImportOutputSerializer, **_errors(400, 403)},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_rates(self, request):
        data = self.validated_input(ExchangeRateImportInputSerializer)
        report = services.import_exchange_rates(actor=request.user, data=data["csv"])
        body = {
            "created": report.created,
            "updated": report.updated,
            "errors": [{"line": line, "message": message} for line, message in report.errors],
        }
        return Response(ExchangeRateImportOutputSerializer(body).data)
