"""Commission endpoints under /api/v1/: plans (the program's published terms, for everyone), and
lines, statements and payouts scoped by the selectors (a partner sees only its own; its channel
account manager those of the partners assigned; program ops every one). Anything outside the
caller's scope is a 404. API keys need the ``deals:read`` scope to read, ``deals:write`` to
write. Program ops' writes (plans and rules, approvals and payouts) are mixed in from
``views_config`` and ``views_ops``, which also hold runs, overrides, spiffs and territories."""

from django.db.models import Prefetch
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from deals.models import CommissionLine, CommissionPlan, DealRegistration, Payout, Statement
from partners.api.permissions import IsProgramOps
from partners.models import Partner
from prm.api.idempotency import IdempotentCreateMixin
from prm.api.schema import error_responses
from prm.api.views import ListMixin, ServiceCreateMixin, ServiceViewSet

from .. import pdf, selectors, services
from . import serializers as s
from . import serializers_ops as o
from .filters import LineFilter, PayoutFilter, StatementFilter
from .views_config import PLAN_CREATE_SCHEMA, PlanWritesMixin
from .views_ops import StatementActionsMixin


class CommissionsApiView(ListMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    api_area = "deals"


def _references_read_after(queryset, *references):
    """A list's rows without joins, their references read by id once the page is known (one
    query each). Joined in the same query, PostgreSQL sorts every row in scope before it can
    stop at the page: all 270,000 lines for ops (on disk) in an order no index serves, since
    lines keep few indexes for the commission run's sake."""
    return queryset.select_related(None).prefetch_related(None).prefetch_related(*references)


def _partner_ref() -> Prefetch:
    return Prefetch("partner", queryset=Partner.objects.only("id", "display_name"))


@extend_schema_view(
    list=extend_schema(summary="Commission plans with their versions and rules"),
    retrieve=extend_schema(summary="One commission plan"),
    create=PLAN_CREATE_SCHEMA,
)
class PlanViewSet(PlanWritesMixin, IdempotentCreateMixin, ServiceCreateMixin, CommissionsApiView):
    queryset = CommissionPlan.objects.none()
    serializer_class = s.PlanSerializer
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "id"]
    search_fields = ["name"]

    def get_queryset(self):
        return selectors.plans()


@extend_schema_view(
    list=extend_schema(summary="Commission lines in your scope (a partner: its own)"),
    retrieve=extend_schema(summary="One commission line, with its deal, rule and plan version"),
)
class LineViewSet(CommissionsApiView):
    queryset = CommissionLine.objects.none()
    serializer_class = s.LineSerializer
    filterset_class = LineFilter
    ordering_fields = ["period", "created_at", "amount", "hold_until"]
    ordering = ["-period", "deal_id", "id"]

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.action == "reverse_line":
            permissions.append(IsProgramOps())
        return permissions

    @extend_schema(
        summary="Reverse a line: decide not to pay it, with a reason the partner sees "
        "(program ops)",
        description="A pending, held or approved line becomes reversed and the calculation "
        "never pays it again; a paid line cannot be reversed (409).",
        request=o.LineReverseInputSerializer,
        responses={200: s.LineSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="reverse")
    def reverse_line(self, request, pk=None):
        line = self.get_object()
        data = self.validated_input(o.LineReverseInputSerializer)
        line = services.reverse_line(actor=request.user, line=line, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=line.pk)).data)

    def get_queryset(self):
        lines = selectors.lines_visible_to(self.request.user)
        if self.action != "list":
            return lines
        deal = Prefetch("deal", queryset=DealRegistration.objects.only("id", "customer_name"))
        return _references_read_after(
            lines, _partner_ref(), deal, "rule", "plan_version__plan", "spiff"
        )


@extend_schema_view(
    list=extend_schema(summary="Commission statements in your scope"),
    retrieve=extend_schema(
        summary="One statement with its totals: opening, earned, held, approved, paid, "
        "clawed back, closing"
    ),
)
class StatementViewSet(StatementActionsMixin, CommissionsApiView):
    queryset = Statement.objects.none()
    serializer_class = s.StatementSerializer
    filterset_class = StatementFilter
    ordering_fields = ["period", "created_at"]
    ordering = ["-period", "partner_id", "currency", "id"]

    def get_queryset(self):
        statements = selectors.statements_visible_to(self.request.user)
        if self.action != "list":
            return statements
        return _references_read_after(statements, _partner_ref())

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.StatementDetailSerializer
        return super().get_serializer_class()

    @extend_schema(
        summary="The statement as a PDF",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **error_responses(404),
        },  # fmt: skip
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def pdf(self, request, pk=None):
        statement = self.get_object()
        response = HttpResponse(pdf.statement_pdf(statement), content_type="application/pdf")
        filename = pdf.statement_filename(statement, "pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@extend_schema_view(
    list=extend_schema(summary="Commission payouts: ops every one, a partner its own"),
    retrieve=extend_schema(summary="One payout"),
)
class PayoutViewSet(CommissionsApiView):
    queryset = Payout.objects.none()
    serializer_class = s.PayoutSerializer
    filterset_class = PayoutFilter
    ordering_fields = ["paid_on", "created_at"]
    ordering = ["-paid_on", "-id"]

    def get_queryset(self):
        return selectors.payouts_visible_to(self.request.user)
