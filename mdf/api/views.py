"""MDF endpoints under /api/v1/mdf/: funds and balances, the activity menu, requests with their
claims, proof files and decisions, claim extensions, allocations and payments. Thin adapters:
querysets come from the scoped selectors (anything outside the caller's scope is a 404) and
every write is one service call; who may decide is the services' rule (403 otherwise)."""

import django_filters
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from enablement.content.uploads import ALLOWED_EXTENSIONS
from mdf.claims import payments as claim_payments
from mdf.claims import selectors as claim_selectors
from mdf.claims import services as claims
from mdf.exceptions import ClaimError
from mdf.funds import selectors as fund_selectors
from mdf.funds import services as funds
from mdf.ledger.selectors import ledger_of
from mdf.models import ActivityType, ClaimExtension, Fund, FundRequest, MdfPayment, ProofFile
from mdf.requests import selectors as request_selectors
from mdf.requests import services as requests
from prm.api.filters import ChoicesFilter, IdFilter
from prm.api.idempotency import IdempotentCreateMixin
from prm.api.schema import IDEMPOTENCY_PARAMETER, error_responses
from prm.api.views import ListMixin, ServiceCreateMixin, ServiceViewSet

from . import serializers as s
from .views_config import ActivityTypeConfigMixin

_errors = error_responses
DOWNLOAD_TYPES = sorted({*ALLOWED_EXTENSIONS.values(), "application/octet-stream"})


class MdfApiView(ServiceViewSet):
    api_area = "mdf"


# --- Funds and balances ----------------------------------------------------------------------


class FundFilter(django_filters.FilterSet):
    partner = IdFilter(field_name="partner_id", help_text="Partner id.")

    class Meta:
        model = Fund
        fields = ["partner", "period"]


@extend_schema_view(
    list=extend_schema(summary="MDF funds in your scope, with balances from the ledger"),
    retrieve=extend_schema(summary="One fund with its balances"),
)
class FundViewSet(ListMixin, mixins.RetrieveModelMixin, MdfApiView):
    queryset = Fund.objects.none()
    serializer_class = s.FundOutputSerializer
    filterset_class = FundFilter
    ordering_fields = ["starts_on", "expires_on"]
    ordering = ["-starts_on", "id"]

    def get_queryset(self):
        return fund_selectors.funds_visible_to(self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else fund_selectors.with_balances(list(page))

    def get_object(self):
        return fund_selectors.with_balances([super().get_object()])[0]

    @extend_schema(
        summary="The fund's ledger, oldest entry first",
        responses={200: s.LedgerEntryOutputSerializer(many=True), **_errors(404)},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def ledger(self, request, pk=None):
        fund = self.get_object()
        return Response(s.LedgerEntryOutputSerializer(ledger_of(fund), many=True).data)


@extend_schema(
    summary="A partner's MDF balance by period, with what expires when",
    responses={200: s.PartnerBalanceSerializer, **_errors(404)},
)
class PartnerBalanceViewSet(MdfApiView):
    queryset = Fund.objects.none()
    serializer_class = s.PartnerBalanceSerializer
    pagination_class = None
    filter_backends: list = []

    def retrieve(self, request, pk=None):
        partner = get_object_or_404(fund_selectors.mdf_partners_visible_to(request.user), pk=pk)
        return Response(s.PartnerBalanceSerializer(fund_selectors.partner_balance(partner)).data)


@extend_schema(
    summary="Allocate discretionary funds to a partner (program ops), with a reason",
    request=s.AllocationInputSerializer,
    responses={201: s.LedgerEntryOutputSerializer, **_errors(400, 403, 404, 409)},
    parameters=[IDEMPOTENCY_PARAMETER],
)
class AllocationViewSet(IdempotentCreateMixin, ServiceCreateMixin, MdfApiView):
    queryset = Fund.objects.none()
    input_serializer_class = s.AllocationInputSerializer
    output_serializer_class = s.LedgerEntryOutputSerializer

    def perform_service_create(self, data):
        partner = get_object_or_404(
            fund_selectors.mdf_partners_visible_to(self.request.user), pk=data["partner"]
        )
        return funds.allocate_funds(
            actor=self.request.user, partner=partner, amount=data["amount"], reason=data["reason"]
        )


# --- Activity menu ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="The MDF activity menu"),
    retrieve=extend_schema(summary="One activity type"),
)
class ActivityTypeViewSet(
    ActivityTypeConfigMixin, ListMixin, mixins.RetrieveModelMixin, MdfApiView
):
    queryset = ActivityType.objects.none()
    serializer_class = s.ActivityTypeOutputSerializer
    filterset_fields = ["category", "is_active"]
    ordering_fields = ["position", "name"]
    ordering = ["position", "name"]

    def get_queryset(self):
        return request_selectors.activity_types(include_inactive=True)


# --- Requests and claims ---------------------------------------------------------------------


class RequestFilter(django_filters.FilterSet):
    partner = IdFilter(field_name="partner_id", help_text="Partner id.")
    status = ChoicesFilter(choices=FundRequest.Status.choices)

    class Meta:
        model = FundRequest
        fields = ["partner", "status", "activity_type"]


def _request_action(summary: str, body=None, codes=(400, 403, 404, 409)):
    return extend_schema(
        summary=summary, request=body, responses={200: s.RequestOutputSerializer, **_errors(*codes)}
    )


@extend_schema_view(
    list=extend_schema(summary="Fund requests in your scope (partners: their own only)"),
    retrieve=extend_schema(summary="One fund request with its claim"),
    create=extend_schema(
        summary="Request funds (submitted for approval unless `submit` is false)",
        request=s.RequestInputSerializer,
        responses={201: s.RequestOutputSerializer, **_errors(400, 403, 409)},
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
)
class FundRequestViewSet(
    IdempotentCreateMixin,
    ServiceCreateMixin,
    ListMixin,
    mixins.RetrieveModelMixin,
    MdfApiView,
):
    queryset = FundRequest.objects.none()
    serializer_class = s.RequestOutputSerializer
    filterset_class = RequestFilter
    search_fields = ["title"]
    ordering_fields = ["created_at", "submitted_at", "decision_due_at", "claim_due_on"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return (
            request_selectors.requests_visible_to(self.request.user)
            .prefetch_related("claim__proof_files__uploaded_by", "claim__registrations")
            .select_related("created_by", "decided_by", "claim")
        )

    def create_with_service(self, request) -> Response:
        data = dict(self.validated_input(s.RequestInputSerializer))
        created = requests.create_request(actor=request.user, **data)
        return Response(self._output(created), status=status.HTTP_201_CREATED)

    def _output(self, fund_request: FundRequest) -> dict:
        return s.RequestOutputSerializer(self.get_queryset().get(pk=fund_request.pk)).data

    def _respond(self, fund_request: FundRequest) -> Response:
        return Response(self._output(fund_request))

    def _reason(self, serializer=s.OptionalReasonInputSerializer) -> dict:
        return dict(self.validated_input(serializer))

    @extend_schema(
        summary="Change a draft or returned request (the fields sent); submit it after",
        request=s.RequestChangeInputSerializer(partial=True),
        responses={200: s.RequestOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    def partial_update(self, request, pk=None):
        target = self.get_object()
        serializer = s.RequestChangeInputSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return self._respond(
            requests.update_request(actor=request.user, request=target, **serializer.validated_data)
        )

    @_request_action("Submit a draft or a returned request")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._respond(requests.submit_request(actor=request.user, request=self.get_object()))

    @_request_action("Cancel (releases an approved request's reservation)",
                     s.OptionalReasonInputSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        target, data = self.get_object(), self._reason()
        return self._respond(
            requests.cancel_request(
                actor=request.user, request=target, reason=data.get("reason", "")
            )
        )

    @_request_action("Approve, fully or for less (the CAM; above the threshold ops as well)",
                     s.ApproveInputSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        target, data = self.get_object(), self._reason(s.ApproveInputSerializer)
        return self._respond(
            requests.approve_request(
                actor=request.user,
                request=target,
                amount=data.get("amount"),
                reason=data.get("reason", ""),
            )  # fmt: skip
        )

    @_request_action("Deny, with a reason", s.ReasonInputSerializer)
    @action(detail=True, methods=["post"])
    def deny(self, request, pk=None):
        target, data = self.get_object(), self._reason(s.ReasonInputSerializer)
        return self._respond(
            requests.deny_request(actor=request.user, request=target, reason=data["reason"])
        )

    @_request_action("Return for changes, with what to change", s.ReasonInputSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_changes(self, request, pk=None):
        target, data = self.get_object(), self._reason(s.ReasonInputSerializer)
        return self._respond(
            requests.return_request(actor=request.user, request=target, reason=data["reason"])
        )

    @_request_action("Save the claim: actual cost, claimed amount and results",
                     s.ClaimInputSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        target = self.get_object()
        data = dict(self.validated_input(s.ClaimInputSerializer))
        claims.save_claim(
            actor=request.user, request=target, actual_cost=data["actual_cost"],
            claimed_amount=data["claimed_amount"], leads=data.get("leads", 0),
            pipeline=data.get("pipeline") or 0, notes=data.get("notes", ""),
            registration_ids=data.get("registrations", []),
        )  # fmt: skip
        return self._respond(target)

    @extend_schema(
        summary="Add a proof-of-performance file to the claim (multipart)",
        request={"multipart/form-data": s.ProofInputSerializer},
        responses={201: s.ProofFileOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def proof(self, request, pk=None):
        target = self.get_object()
        data = self.validated_input(s.ProofInputSerializer)
        claim = claim_selectors.claim_of(target)
        if claim is None:
            raise ClaimError(_("Save the claim before adding proof."))
        proof = claims.add_proof(
            actor=request.user, claim=claim, kind=data["kind"], upload=data["file"]
        )
        return Response(s.ProofFileOutputSerializer(proof).data, status=status.HTTP_201_CREATED)

    @_request_action(
        "Submit the claim with its proof, once the activity has ended and by the claim due date"
    )
    @action(detail=True, methods=["post"], url_path="submit-claim")
    def submit_claim(self, request, pk=None):
        return self._respond(claims.submit_claim(actor=request.user, request=self.get_object()))

    @_request_action("Approve the claim, fully or for less (with a reason)",
                     s.ApproveInputSerializer)  # fmt: skip
    @action(detail=True, methods=["post"], url_path="approve-claim")
    def approve_claim(self, request, pk=None):
        target, data = self.get_object(), self._reason(s.ApproveInputSerializer)
        return self._respond(
            claims.approve_claim(
                actor=request.user,
                request=target,
                amount=data.get("amount"),
                reason=data.get("reason", ""),
            )  # fmt: skip
        )

    @_request_action("Return the claim for changes", s.ReasonInputSerializer)
    @action(detail=True, methods=["post"], url_path="return-claim")
    def return_claim(self, request, pk=None):
        target, data = self.get_object(), self._reason(s.ReasonInputSerializer)
        return self._respond(
            claims.return_claim(actor=request.user, request=target, reason=data["reason"])
        )

    @_request_action("Reject the claim (releases the reservation)", s.ReasonInputSerializer)
    @action(detail=True, methods=["post"], url_path="reject-claim")
    def reject_claim(self, request, pk=None):
        target, data = self.get_object(), self._reason(s.ReasonInputSerializer)
        return self._respond(
            claims.reject_claim(actor=request.user, request=target, reason=data["reason"])
        )

    @extend_schema(
        summary="Ask for a later claim due date",
        request=s.ClaimExtensionInputSerializer,
        responses={201: s.ClaimExtensionOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def extension(self, request, pk=None):
        target = self.get_object()
        data = self.validated_input(s.ClaimExtensionInputSerializer)
        extension = claims.request_extension(
            actor=request.user, request=target, until=data["until"], reason=data["reason"]
        )
        return Response(
            s.ClaimExtensionOutputSerializer(extension).data, status=status.HTTP_201_CREATED
        )


# --- Proof files -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Proof files you may see (the partner and its vendor contacts)"),
    retrieve=extend_schema(summary="One proof file"),
)
class ProofFileViewSet(ListMixin, mixins.RetrieveModelMixin, MdfApiView):
    queryset = ProofFile.objects.none()
    serializer_class = s.ProofFileOutputSerializer
    ordering_fields = ["uploaded_at"]
    ordering = ["-uploaded_at", "-id"]

    def get_queryset(self):
        return claim_selectors.proof_files_visible_to(self.request.user).select_related(
            "uploaded_by"
        )

    @extend_schema(
        summary="Remove a proof file from a draft or returned claim (the partner's own people)",
        responses={204: None, **_errors(400, 403, 404, 409)},
    )
    def destroy(self, request, pk=None):
        claims.remove_proof(actor=request.user, proof=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Download the file",
        responses={
            **{(200, media): OpenApiResponse(OpenApiTypes.BINARY) for media in DOWNLOAD_TYPES},
            **_errors(404),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        proof = self.get_object()
        return FileResponse(
            proof.file.open("rb"),
            as_attachment=True,
            filename=proof.original_name,
            content_type=proof.content_type or "application/octet-stream",
        )


# --- Extensions ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Claim extension requests in your scope"),
    retrieve=extend_schema(summary="One claim extension request"),
)
class ExtensionViewSet(ListMixin, mixins.RetrieveModelMixin, MdfApiView):
    queryset = ClaimExtension.objects.none()
    serializer_class = s.ClaimExtensionOutputSerializer
    filterset_fields = ["status"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return claim_selectors.extensions_visible_to(self.request.user).select_related(
            "requested_by", "decided_by"
        )

    def _decide(self, approve: bool, serializer) -> Response:
        extension = self.get_object()
        data = self.validated_input(serializer)
        extension = claims.decide_extension(
            actor=self.request.user, extension=extension, approve=approve,
            reason=data.get("reason", ""),
        )  # fmt: skip
        return Response(s.ClaimExtensionOutputSerializer(extension).data)

    @extend_schema(
        summary="Approve (the partner's CAM or ops): the claim due date moves",
        request=s.OptionalReasonInputSerializer,
        responses={200: s.ClaimExtensionOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(True, s.OptionalReasonInputSerializer)

    @extend_schema(
        summary="Deny, with a reason",
        request=s.ReasonInputSerializer,
        responses={200: s.ClaimExtensionOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def deny(self, request, pk=None):
        return self._decide(False, s.ReasonInputSerializer)


# --- Payments --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="MDF payments in your scope"),
    retrieve=extend_schema(summary="One payment"),
    create=extend_schema(
        summary="Record payments for approved claims (program ops), all or nothing",
        request=s.PaymentBatchInputSerializer,
        responses={201: s.PaymentBatchOutputSerializer, **_errors(400, 403, 409)},
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
)
class PaymentViewSet(
    IdempotentCreateMixin,
    ServiceCreateMixin,
    ListMixin,
    mixins.RetrieveModelMixin,
    MdfApiView,
):
    queryset = MdfPayment.objects.none()
    serializer_class = s.PaymentOutputSerializer
    ordering_fields = ["paid_on", "created_at"]
    ordering = ["-paid_on", "-id"]

    def get_queryset(self):
        return claim_selectors.payments_visible_to(self.request.user).select_related("recorded_by")

    def create_with_service(self, request) -> Response:
        data = self.validated_input(s.PaymentBatchInputSerializer)
        rows = [
            claim_payments.PaymentRow(
                request_id=line["request"],
                amount=line["amount"],
                paid_on=line["paid_on"],
                reference=line["reference"],
                line=index,
            )  # fmt: skip
            for index, line in enumerate(data["payments"], start=1)
        ]
        payments = claim_payments.record_payments(actor=request.user, rows=rows)
        body = s.PaymentBatchOutputSerializer({"payments": payments}).data
        return Response(body, status=status.HTTP_201_CREATED)
