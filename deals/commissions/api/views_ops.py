"""Running and paying commissions in the API, through the services of the portal's commission
pages: calculation runs (a queued job whose progress the caller polls), per-deal overrides (the
deal's channel account manager or ops ask; ops decide those below the floor), and approving
statements, one or many, and recording their payouts (program ops)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from deals import selectors as deal_selectors
from deals.models import CommissionOverride, CommissionRun
from partners.api.permissions import IsInternalStaff, IsProgramOps
from prm.api.bulk import BulkActionResultSerializer, bulk_response, unique_ids
from prm.api.idempotency import IdempotentCreateMixin
from prm.api.schema import IDEMPOTENCY_PARAMETER, error_responses
from prm.api.views import ListMixin, ServiceCreateMixin, ServiceViewSet
from prm.lists import BulkResult, BulkRow

from .. import selectors, services
from ..approvals import approve_each
from ..overrides import decide_override, override_deal
from ..statements import approve_statement, record_payout
from . import serializers_ops as o
from .serializers import PayoutSerializer, StatementDetailSerializer

_errors = error_responses


@extend_schema_view(
    list=extend_schema(summary="Commission calculation runs, newest first (program ops)"),
    retrieve=extend_schema(summary="One run and its progress: poll it until done or failed"),
    create=extend_schema(
        summary="Start calculating a period (program ops): queued, then run by a worker",
        description="Calculating a period again creates no new lines; corrections to paid "
        "deals become adjustment or clawback lines.",
        request=o.RunInputSerializer,
        responses={201: o.RunSerializer, **_errors(400, 403)},
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
)
class RunViewSet(
    IdempotentCreateMixin,
    ServiceCreateMixin,
    ListMixin,
    mixins.RetrieveModelMixin,
    ServiceViewSet,
):
    api_area = "deals"
    permission_classes = [*ServiceViewSet.permission_classes, IsProgramOps]
    queryset = CommissionRun.objects.none()
    serializer_class = o.RunSerializer
    filterset_fields = ["period", "status"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]
    input_serializer_class = o.RunInputSerializer
    output_serializer_class = o.RunSerializer

    def get_queryset(self):
        return selectors.runs(self.request.user)

    def perform_service_create(self, data: dict):
        return services.start_commission_run(actor=self.request.user, period=data["period"])


@extend_schema_view(
    list=extend_schema(
        summary="Per-deal overrides: ops every one, a channel account manager their partners'"
    ),
    retrieve=extend_schema(summary="One override"),
    create=extend_schema(
        summary="Override the rate or fee of the rule paying a deal (its CAM or ops)",
        description="At or above the rule's floor it applies at once. Below the floor it waits "
        "for program ops' decision (`status: pending`), unless ops set it.",
        request=o.OverrideInputSerializer,
        responses={201: o.OverrideSerializer, **_errors(400, 403, 404)},
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
)
class OverrideViewSet(
    IdempotentCreateMixin,
    ServiceCreateMixin,
    ListMixin,
    mixins.RetrieveModelMixin,
    ServiceViewSet,
):
    api_area = "deals"
    permission_classes = [*ServiceViewSet.permission_classes, IsInternalStaff]
    queryset = CommissionOverride.objects.none()
    serializer_class = o.OverrideSerializer
    filterset_fields = ["status", "below_floor"]
    ordering_fields = ["created_at"]
    ordering = ["created_at", "id"]
    input_serializer_class = o.OverrideInputSerializer
    output_serializer_class = o.OverrideSerializer

    def get_queryset(self):
        return selectors.overrides_visible_to(self.request.user)

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.action == "decide":
            permissions.append(IsProgramOps())
        return permissions

    def perform_service_create(self, data: dict):
        deal = deal_selectors.get_deal_for_review(self.request.user, data.pop("deal"))
        return override_deal(actor=self.request.user, deal=deal, **data)

    @extend_schema(
        summary="Approve or refuse an override below the floor, with a reason (program ops)",
        request=o.OverrideDecisionInputSerializer,
        responses={200: o.OverrideSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        override = self.get_object()
        data = self.validated_input(o.OverrideDecisionInputSerializer)
        override = decide_override(actor=request.user, override=override, **data)
        return Response(o.OverrideSerializer(override).data)


class StatementActionsMixin:
    """Mixed into the statements view set: approval, bulk approval and payouts (program ops)."""

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.action in {"approve", "bulk_approve", "payout"}:
            permissions.append(IsProgramOps())
        return permissions

    def _statement_answer(self, statement, code=status.HTTP_200_OK) -> Response:
        statement = self.get_queryset().get(pk=statement.pk)
        return Response(StatementDetailSerializer(statement).data, status=code)

    @extend_schema(
        summary="Approve a draft statement (program ops)",
        description="Lines whose hold has ended become approved, the others held.",
        request=None,
        responses={200: StatementDetailSerializer, **_errors(403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        statement = approve_statement(statement=self.get_object(), actor=request.user)
        return self._statement_answer(statement)

    @extend_schema(
        summary="Approve several statements (program ops): a result per statement",
        description="The statements are approved together, exactly as one by one in id order; "
        "one that is not a draft is refused with the reason and does not stop the others.",
        request=o.StatementBulkApproveInputSerializer,
        responses={200: BulkActionResultSerializer, **_errors(400, 403)},
    )
    @action(detail=False, methods=["post"], url_path="bulk-approve")
    def bulk_approve(self, request):
        data = self.validated_input(o.StatementBulkApproveInputSerializer)
        ids = unique_ids(data["statements"])
        chosen = list(self.get_queryset().filter(pk__in=ids))
        outcome = approve_each(statements=chosen, actor=request.user)
        rows = {s.pk: BulkRow(str(s), True, _("Approved"), s.pk) for s in outcome.approved}
        rows.update({s.pk: BulkRow(str(s), False, why, s.pk) for s, why in outcome.refused})
        result = BulkResult(_("Approve statements"))
        for pk in ids:
            result.rows.append(
                rows.get(pk) or BulkRow(f"#{pk}", False, _("Not in your scope."), pk)
            )
        return bulk_response(result)

    @extend_schema(
        summary="Record the payout of an approved statement (program ops)",
        description="The amount must equal what is payable; the approved lines become paid "
        "and the statement paid.",
        request=o.PayoutInputSerializer,
        responses={201: PayoutSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def payout(self, request, pk=None):
        statement = self.get_object()
        data = self.validated_input(o.PayoutInputSerializer)
        payout = record_payout(statement=statement, actor=request.user, **data)
        return Response(PayoutSerializer(payout).data, status=status.HTTP_201_CREATED)
