"""``/api/v1/lead-routing-rules/``: the routing rules, read by internal staff and changed by
program ops through the same service as the portal's Program area (``deals.leads.rules``)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from deals.leads import rules
from deals.models import LeadRoutingRule
from partners.api.permissions import IsInternalStaff, IsProgramOps
from partners.api.serializers import RegionField
from partners.models import BusinessModel, Partner
from prm.api.schema import error_responses
from prm.api.schema import named_choice_field as choice_field
from prm.api.views import ListMixin, ServiceViewSet

_errors = error_responses
RoutingBusinessModelField = choice_field("RoutingBusinessModelEnum", BusinessModel)


class RoutingRuleSerializer(serializers.ModelSerializer):
    countries = serializers.ListField(child=serializers.CharField(), read_only=True)
    regions = serializers.ListField(child=serializers.CharField(), read_only=True)
    business_models = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = LeadRoutingRule
        fields = ["id", *rules.RULE_FIELDS]
        read_only_fields = fields


class RoutingRuleInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    priority = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    countries = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False, max_length=250
    )
    regions = serializers.ListField(child=RegionField(), required=False, max_length=20)
    business_models = serializers.ListField(
        child=RoutingBusinessModelField(), required=False, max_length=20
    )
    min_tier_rank = serializers.IntegerField(
        min_value=0, max_value=32767, required=False, allow_null=True
    )
    specialty = serializers.CharField(max_length=120, required=False, allow_blank=True)
    partners = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Partner.objects.all(),
        required=False,
        help_text="Target partners; none means any partner the criteria match.",
    )
    is_active = serializers.BooleanField(required=False)


class RoutingRuleUpdateSerializer(RoutingRuleInputSerializer):
    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


@extend_schema_view(
    list=extend_schema(summary="Lead routing rules, first applied first (internal staff)"),
    retrieve=extend_schema(summary="One lead routing rule"),
)
class RoutingRuleViewSet(ListMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    api_area = "program"
    queryset = LeadRoutingRule.objects.none()
    serializer_class = RoutingRuleSerializer
    permission_classes = [*ServiceViewSet.permission_classes, IsInternalStaff]
    filterset_fields = ["is_active"]
    ordering = ["priority", "id"]
    ordering_fields = ["priority", "name"]

    def get_queryset(self):
        return LeadRoutingRule.objects.all()

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.action in {"create", "partial_update", "destroy"}:
            permissions.append(IsProgramOps())
        return permissions

    @extend_schema(
        summary="Add a routing rule (program ops)",
        request=RoutingRuleInputSerializer,
        responses={201: RoutingRuleSerializer, **_errors(400, 403)},
    )
    def create(self, request):
        data = self.validated_input(RoutingRuleInputSerializer)
        rule = rules.save_routing_rule(actor=request.user, **data)
        return Response(RoutingRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a routing rule; `is_active: false` retires it (program ops)",
        request=RoutingRuleUpdateSerializer,
        responses={200: RoutingRuleSerializer, **_errors(400, 403, 404)},
    )
    def partial_update(self, request, pk=None):
        rule = self.get_object()
        data = self.validated_input(RoutingRuleUpdateSerializer)
        rule = rules.save_routing_rule(actor=request.user, rule=rule, **data)
        return Response(RoutingRuleSerializer(rule).data)

    @extend_schema(
        summary="Remove a routing rule (program ops); leads it routed keep their offers",
        responses={204: None, **_errors(403, 404)},
    )
    def destroy(self, request, pk=None):
        rules.delete_routing_rule(actor=request.user, rule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
