"""Webhook endpoints and deliveries under /api/v1/, with the portal's services and scoping: a
partner's API key sees and manages only its partner's endpoints; program-wide keys and ops see
them all. API keys need the ``webhooks:read`` / ``webhooks:write`` scopes."""

import datetime as dt

import django_filters
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from prm.api.filters import IdFilter
from prm.api.schema import error_responses, named_choice_field
from prm.api.views import ListMixin, ServiceViewSet
from prm.exceptions import PermissionDenied

from . import selectors, services
from .events import EVENT_TYPES
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

EVENT_NAMES = list(EVENT_TYPES)
EndpointStatusField = named_choice_field("WebhookEndpointStatusEnum", WebhookEndpoint.Status)
DeliveryStatusField = named_choice_field("WebhookDeliveryStatusEnum", WebhookDelivery.Status)


# --- Serializers --------------------------------------------------------------------------------


class EndpointOutputSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(child=serializers.CharField())
    status = EndpointStatusField()

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id", "url", "description", "partner", "event_types", "status", "paused_reason",
            "consecutive_failures", "previous_secret_expires_at", "created_at", "updated_at",
        ]  # fmt: skip


class EndpointWithSecretSerializer(EndpointOutputSerializer):
    secret = serializers.CharField(
        help_text=_("The signing secret. Shown in this answer only: store it now.")
    )

    class Meta(EndpointOutputSerializer.Meta):
        fields = [*EndpointOutputSerializer.Meta.fields, "secret"]


class EndpointInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_NAMES), min_length=1, max_length=50
    )
    partner = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("Ops: a partner id, or null for a vendor-wide endpoint. Partner keys: "
                    "omit it (their own partner)."),
    )  # fmt: skip


class EndpointUpdateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_NAMES),
        min_length=1,
        max_length=50,
        required=False,
    )


class RotateInputSerializer(serializers.Serializer):
    overlap_hours = serializers.IntegerField(
        min_value=0,
        max_value=168,
        default=24,
        help_text=_("How long the old secret keeps signing beside the new one."),
    )


class ReplayRangeInputSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(help_text=_("Exclusive; after start."))


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "number", "attempted_at", "status_code", "duration_ms", "response_body", "error",
            "succeeded",
        ]  # fmt: skip


class DeliveryOutputSerializer(serializers.ModelSerializer):
    payload = serializers.JSONField(help_text=_("The body sent, as JSON."))
    status = DeliveryStatusField()

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "endpoint", "event_id", "event_type", "status", "attempt_count",
            "next_attempt_at", "created_at", "completed_at", "replay_of", "payload",
        ]  # fmt: skip


class DeliveryDetailSerializer(DeliveryOutputSerializer):
    attempts = AttemptSerializer(many=True, read_only=True)

    class Meta(DeliveryOutputSerializer.Meta):
        fields = [*DeliveryOutputSerializer.Meta.fields, "attempts"]


class ReplayResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    deliveries = serializers.ListField(child=serializers.IntegerField())


class EventTypeSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    audience = serializers.ChoiceField(
        choices=["partner", "vendor"],
        help_text=_("partner: partner endpoints may subscribe; vendor: vendor-wide only."),
    )


# --- Views --------------------------------------------------------------------------------------


class DeliveryFilter(django_filters.FilterSet):
    endpoint = IdFilter(field_name="endpoint_id")
    status = django_filters.ChoiceFilter(choices=WebhookDelivery.Status.choices)
    event_type = django_filters.ChoiceFilter(choices=[(n, n) for n in EVENT_NAMES])
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event_type"]


class WebhooksApiView(ServiceViewSet):
    api_area = "webhooks"


def _errors(*codes):
    return error_responses(*codes)


@extend_schema_view(
    list=extend_schema(summary="Webhook endpoints in your scope"),
    retrieve=extend_schema(summary="One webhook endpoint (never its secret)"),
    create=extend_schema(
        summary="Register an endpoint; the answer carries its signing secret, once",
        request=EndpointInputSerializer,
        responses={201: EndpointWithSecretSerializer, **_errors(400, 403)},
    ),
    partial_update=extend_schema(
        summary="Change an endpoint's URL, description or subscribed events",
        request=EndpointUpdateSerializer,
        responses={200: EndpointOutputSerializer, **_errors(400, 403, 404)},
    ),
)
class EndpointViewSet(ListMixin, mixins.RetrieveModelMixin, WebhooksApiView):
    queryset = WebhookEndpoint.objects.none()
    serializer_class = EndpointOutputSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["created_at", "url"]
    ordering = ["-created_at", "-id"]
    search_fields = ["url", "description"]

    def get_queryset(self):
        return selectors.endpoints_visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        data = dict(self.validated_input(EndpointInputSerializer))
        data["partner"] = self._partner(data.pop("partner", None))
        endpoint = services.create_endpoint(actor=request.user, **data)
        return Response(EndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def _partner(self, partner_id):
        from partners.models import Partner

        user = self.request.user
        if user.is_program_ops:
            if partner_id is None:
                return None
            found = Partner.objects.filter(pk=partner_id).first()
        else:
            managed = selectors.managed_partner_ids(user)
            if partner_id is None and len(managed) == 1:
                partner_id = next(iter(managed))
            found = Partner.objects.filter(pk=partner_id, pk__in=managed).first()
        if found is None:
            raise serializers.ValidationError({"partner": [_("Unknown partner.")]})
        return found

    def partial_update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        data = self.validated_input(EndpointUpdateSerializer)
        endpoint = services.update_endpoint(
            endpoint=endpoint,
            actor=request.user,
            url=data.get("url", endpoint.url),
            event_types=data.get("event_types", endpoint.event_types),
            description=data.get("description", endpoint.description),
        )
        return Response(EndpointOutputSerializer(endpoint).data)

    @extend_schema(
        summary="Rotate the signing secret (the old one keeps signing for the overlap)",
        request=RotateInputSerializer,
        responses={200: EndpointWithSecretSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = self.get_object()
        hours = self.validated_input(RotateInputSerializer)["overlap_hours"]
        endpoint = services.rotate_secret(
            endpoint=endpoint, actor=request.user, overlap=dt.timedelta(hours=hours)
        )
        return Response(EndpointWithSecretSerializer(endpoint).data)

    @extend_schema(
        summary="Pause: events are kept, not sent",
        request=None,
        responses={200: EndpointOutputSerializer, **_errors(403, 404)},
    )
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        endpoint = services.pause_endpoint(endpoint=self.get_object(), actor=request.user)
        return Response(EndpointOutputSerializer(endpoint).data)

    @extend_schema(
        summary="Resume: kept events are sent, oldest first per object",
        request=None,
        responses={200: EndpointOutputSerializer, **_errors(403, 404)},
    )
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        endpoint = services.resume_endpoint(endpoint=self.get_object(), actor=request.user)
        return Response(EndpointOutputSerializer(endpoint).data)

    @extend_schema(
        summary="Replay every event sent to this endpoint in a time range",
        request=ReplayRangeInputSerializer,
        responses={200: ReplayResultSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        endpoint = self.get_object()
        data = self.validated_input(ReplayRangeInputSerializer)
        replays = services.replay_deliveries(endpoint=endpoint, actor=request.user, **data)
        return Response({"count": len(replays), "deliveries": [r.pk for r in replays]})


@extend_schema_view(
    list=extend_schema(summary="Webhook deliveries in your scope, newest first"),
    retrieve=extend_schema(summary="One delivery with every attempt"),
)
class DeliveryViewSet(ListMixin, mixins.RetrieveModelMixin, WebhooksApiView):
    queryset = WebhookDelivery.objects.none()
    serializer_class = DeliveryOutputSerializer
    filterset_class = DeliveryFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        found = selectors.deliveries_visible_to(self.request.user)
        if self.action == "retrieve":
            found = found.prefetch_related("attempts")
        return found

    def get_serializer_class(self):
        if self.action == "retrieve":
            return DeliveryDetailSerializer
        return super().get_serializer_class()

    @extend_schema(
        summary="Replay this delivery (same event id and body)",
        request=None,
        responses={201: DeliveryOutputSerializer, **_errors(403, 404)},
    )
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        replay = services.replay_delivery(delivery=self.get_object(), actor=request.user)
        return Response(DeliveryOutputSerializer(replay).data, status=status.HTTP_201_CREATED)


class EventTypeListView(APIView):
    api_area = "webhooks"

    @extend_schema(
        summary="The webhook event types and who may subscribe to them",
        responses={200: EventTypeSerializer(many=True)},
    )
    def get(self, request):
        if not (request.user.is_program_ops or selectors.managed_partner_ids(request.user)):
            raise PermissionDenied()
        rows = [
            {"name": e.name, "label": str(e.label), "audience": e.audience}
            for e in EVENT_TYPES.values()
        ]
        return Response(EventTypeSerializer(rows, many=True).data)


router = SimpleRouter()
router.register("webhook-endpoints", EndpointViewSet, basename="webhook-endpoint")
router.register("webhook-deliveries", DeliveryViewSet, basename="webhook-delivery")

urlpatterns: list = [
    *router.urls,
    path("webhook-event-types/", EventTypeListView.as_view(), name="webhook-event-types"),
]
