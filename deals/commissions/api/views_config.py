"""Commission configuration in the API, for program ops, through the services of the portal's
commission pages: creating plans, adding, changing and removing a plan's rules (a new plan
version when the open one has paid lines), spiffs and the rep territory table. Everyone with
``deals:read`` reads plans; spiffs and territories, like their portal pages, are ops only.
Writes need ``deals:write`` and the program ops role (a partner-bound key never has it)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from deals.models import Spiff
from partners.api.permissions import IsProgramOps
from prm.api.idempotency import IdempotentCreateMixin
from prm.api.schema import IDEMPOTENCY_PARAMETER, error_responses
from prm.api.views import ListMixin, ServiceCreateMixin, ServiceViewSet

from .. import ops_selectors, plans, selectors, services
from ..repcredit import selectors as territory_selectors
from ..repcredit import services as territory_services
from ..repcredit.models import RepTerritory
from . import serializers_ops as o
from .serializers import PlanSerializer

_errors = error_responses
RULE_ID = OpenApiParameter("rule_id", int, OpenApiParameter.PATH, description="Rule id.")


class PlanWritesMixin:
    """Mixed into the plans view set: create a plan, and edit the rules of its open version."""

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.action in {"create", "add_rule", "edit_rule", "remove_rule"}:
            permissions.append(IsProgramOps())
        return permissions

    def _plan_answer(self, plan, code=status.HTTP_200_OK) -> Response:
        return Response(PlanSerializer(selectors.plans().get(pk=plan.pk)).data, status=code)

    input_serializer_class = o.PlanInputSerializer
    output_serializer_class = PlanSerializer

    def perform_service_create(self, data: dict):
        return plans.create_plan(actor=self.request.user, **data)

    def _save_rule(self, serializer_class, rule=None) -> Response:
        plan = self.get_object()
        rule = ops_selectors.get_open_rule(plan, rule) if rule is not None else None
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        saved = plans.save_rule(
            actor=self.request.user,
            plan=plan,
            rule=rule,
            effective_from=serializer.validated_data.get("effective_from"),
            notes=serializer.validated_data.get("notes", ""),
            **serializer.rule_fields(),
        )
        code = status.HTTP_201_CREATED if rule is None else status.HTTP_200_OK
        return Response(o.RuleOutputSerializer(saved).data, status=code)

    @extend_schema(
        summary="Add a rule to the plan's open version (program ops)",
        description="When the open version has paid lines, the rule goes into a new version "
        "in force from `effective_from` (today when not given; `notes` say what changed); the "
        "old version ends the day before. The same holds for a change or a removal.",
        request=o.RuleInputSerializer,
        responses={201: o.RuleOutputSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="rules")
    def add_rule(self, request, pk=None):
        return self._save_rule(o.RuleInputSerializer)

    @extend_schema(
        summary="Change a rule of the plan's open version; fields sent change (program ops)",
        request=o.RuleUpdateInputSerializer,
        responses={200: o.RuleOutputSerializer, **_errors(400, 403, 404)},
        parameters=[RULE_ID],
    )
    @action(detail=True, methods=["patch"], url_path=r"rules/(?P<rule_id>[0-9]+)")
    def edit_rule(self, request, pk=None, rule_id=None):
        return self._save_rule(o.RuleUpdateInputSerializer, rule=rule_id)

    @extend_schema(
        summary="Remove a rule from the plan's open version (program ops)",
        description="Refused once lines were calculated with the rule. Answers the plan.",
        request=o.RuleRemoveInputSerializer,
        responses={200: PlanSerializer, **_errors(400, 403, 404)},
        parameters=[RULE_ID],
    )
    @action(detail=True, methods=["post"], url_path=r"rules/(?P<rule_id>[0-9]+)/remove")
    def remove_rule(self, request, pk=None, rule_id=None):
        plan = self.get_object()
        rule = ops_selectors.get_open_rule(plan, rule_id)
        data = self.validated_input(o.RuleRemoveInputSerializer)
        plans.remove_rule(
            actor=request.user,
            plan=plan,
            rule=rule,
            effective_from=data.get("effective_from"),
            notes=data.get("notes", ""),
        )
        return self._plan_answer(plan)


class OpsConfigViewSet(
    IdempotentCreateMixin,
    ServiceCreateMixin,
    ListMixin,
    mixins.RetrieveModelMixin,
    ServiceViewSet,
):
    api_area = "deals"
    permission_classes = [*ServiceViewSet.permission_classes, IsProgramOps]


@extend_schema_view(
    list=extend_schema(summary="Spiffs: dated accelerators (program ops)"),
    retrieve=extend_schema(summary="One spiff (program ops)"),
    create=extend_schema(
        summary="Add a spiff (program ops)",
        request=o.SpiffInputSerializer,
        responses={201: o.SpiffSerializer, **_errors(400, 403)},
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
)
class SpiffViewSet(OpsConfigViewSet):
    queryset = Spiff.objects.none()
    serializer_class = o.SpiffSerializer
    ordering_fields = ["starts_on", "ends_on", "name"]
    ordering = ["-starts_on", "id"]
    search_fields = ["name"]

    def get_queryset(self):
        return selectors.spiffs()

    input_serializer_class = o.SpiffInputSerializer
    output_serializer_class = o.SpiffSerializer

    def perform_service_create(self, data: dict):
        return services.save_spiff(actor=self.request.user, **data)

    @extend_schema(
        summary="Change a spiff whose lines are not yet approved or paid (program ops)",
        request=o.SpiffUpdateInputSerializer,
        responses={200: o.SpiffSerializer, **_errors(400, 403, 404)},
    )
    def partial_update(self, request, pk=None):
        spiff = self.get_object()
        data = self.validated_input(o.SpiffUpdateInputSerializer)
        spiff = services.save_spiff(actor=request.user, spiff=spiff, **data)
        return Response(o.SpiffSerializer(spiff).data)


@extend_schema_view(
    list=extend_schema(summary="Rep territories: the vendor's direct rep per country or region"),
    retrieve=extend_schema(summary="One rep territory (program ops)"),
    create=extend_schema(
        summary="Add a territory: a country or a region and its rep (program ops)",
        request=o.RepTerritoryInputSerializer,
        responses={201: o.RepTerritorySerializer, **_errors(400, 403)},
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
)
class RepTerritoryViewSet(OpsConfigViewSet):
    queryset = RepTerritory.objects.none()
    serializer_class = o.RepTerritorySerializer
    ordering_fields = ["country", "region", "rep_name"]
    ordering = ["region", "country", "id"]
    search_fields = ["rep_name", "rep_email", "country"]

    def get_queryset(self):
        return territory_selectors.territories()

    input_serializer_class = o.RepTerritoryInputSerializer
    output_serializer_class = o.RepTerritorySerializer

    def perform_service_create(self, data: dict):
        return territory_services.save_territory(actor=self.request.user, **data)

    @extend_schema(
        summary="Change a territory; fields sent change (program ops)",
        request=o.RepTerritoryUpdateInputSerializer,
        responses={200: o.RepTerritorySerializer, **_errors(400, 403, 404)},
    )
    def partial_update(self, request, pk=None):
        territory = self.get_object()
        data = self.validated_input(o.RepTerritoryUpdateInputSerializer)
        territory = territory_services.save_territory(
            actor=request.user, territory=territory, **data
        )
        return Response(o.RepTerritorySerializer(territory).data)

    @extend_schema(
        summary="Remove a territory (program ops)", responses={204: None, **_errors(403, 404)}
    )
    def destroy(self, request, pk=None):
        territory_services.remove_territory(actor=request.user, territory=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


PLAN_CREATE_SCHEMA = extend_schema(
    summary="Create a commission plan with its first (empty) version (program ops)",
    request=o.PlanInputSerializer,
    responses={201: PlanSerializer, **_errors(400, 403)},
    parameters=[IDEMPOTENCY_PARAMETER],
)
