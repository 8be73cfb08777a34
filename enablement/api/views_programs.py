"""Business plan, content library and business-case endpoints under /api/v1/.

Thin adapters: querysets come from the scoped selectors (anything outside the caller's scope is
a 404) and every write is one service call; domain errors become the one JSON error shape.
"""

import django_filters
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from prm.api.filters import IdFilter
from prm.api.idempotency import IdempotentCreateMixin
from prm.api.schema import IDEMPOTENCY_PARAMETER, error_responses
from prm.api.views import ServiceViewSet
from prm.exceptions import DomainError

from ..business_cases import selectors as case_selectors
from ..business_cases import services as case_services
from ..content import selectors as content_selectors
from ..content import services as content_services
from ..content.uploads import ALLOWED_EXTENSIONS
from ..models import Asset, AssetUsage, BusinessCase, BusinessCaseModel, JointBusinessPlan
from ..programs import selectors as program_selectors
from ..programs import services as program_services
from . import serializers_programs as s

_errors = error_responses
# An asset file is served with the type checked at upload (PDF, images, Office documents).
DOWNLOAD_TYPES = sorted({*ALLOWED_EXTENSIONS.values(), "application/octet-stream"})


class ProgramsApiView(ServiceViewSet):
    api_area = "enablement"


# --- Joint business plans ---------------------------------------------------------------------


class PlanFilter(django_filters.FilterSet):
    partner = IdFilter(field_name="partner_id", help_text="Partner id.")
    status = django_filters.MultipleChoiceFilter(choices=JointBusinessPlan.Status.choices)

    class Meta:
        model = JointBusinessPlan
        fields = ["partner", "fiscal_year", "status"]


@extend_schema_view(
    list=extend_schema(summary="Joint business plans in your scope"),
    retrieve=extend_schema(
        summary="One plan with its targets, initiatives and check-ins",
        responses={200: s.BusinessPlanDetailSerializer, **_errors(404)},
    ),
)
class BusinessPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProgramsApiView):
    queryset = JointBusinessPlan.objects.none()
    serializer_class = s.BusinessPlanSerializer
    filterset_class = PlanFilter
    search_fields = ["title", "partner__display_name"]
    ordering_fields = ["fiscal_year", "version", "created_at", "approved_at"]
    ordering = ["-fiscal_year", "partner__display_name", "-version", "id"]

    def get_queryset(self):
        plans = program_selectors.plans_visible_to(self.request.user)
        if self.action != "list":
            plans = plans.prefetch_related("targets", "initiatives", "checkins")
        return plans

    def get_serializer_class(self):
        return s.BusinessPlanSerializer if self.action == "list" else s.BusinessPlanDetailSerializer

    def _detail(self, plan, *, status_code=status.HTTP_200_OK) -> Response:
        plan = self.get_queryset().get(pk=plan.pk)
        return Response(s.BusinessPlanDetailSerializer(plan).data, status=status_code)

    @extend_schema(
        summary="Approve the draft (an admin of the partner); it is then locked",
        request=s.PlanApproveInputSerializer,
        responses={200: s.BusinessPlanDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        plan = self.get_object()
        data = self.validated_input(s.PlanApproveInputSerializer)
        program_services.approve_plan(actor=request.user, plan=plan, note=data["note"])
        return self._detail(plan)

    @extend_schema(
        summary="Start a new version: a draft copy of the approved plan",
        request=None,
        responses={201: s.BusinessPlanDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, pk=None):
        draft = program_services.create_new_version(actor=request.user, plan=self.get_object())
        return self._detail(draft, status_code=status.HTTP_201_CREATED)


# --- Content library --------------------------------------------------------------------------


class AssetFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Asset.Kind.choices)

    class Meta:
        model = Asset
        fields = ["kind", "co_brandable"]


@extend_schema_view(
    list=extend_schema(summary="Library assets you may see (by tier and business model)"),
    retrieve=extend_schema(summary="One asset"),
)
class AssetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProgramsApiView):
    queryset = Asset.objects.none()
    serializer_class = s.AssetSerializer
    filterset_class = AssetFilter
    search_fields = ["title", "description"]
    ordering_fields = ["created_at", "title"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return content_selectors.assets_visible_to(self.request.user).prefetch_related(
            "visible_to_tiers"
        )

    @extend_schema(
        summary="Download the file, or be redirected to the link; counted for your partner",
        responses={
            **{(200, media): OpenApiResponse(OpenApiTypes.BINARY) for media in DOWNLOAD_TYPES},
            302: OpenApiResponse(description="Redirect to the external link."),
            **_errors(404),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        asset = self.get_object()
        if asset.is_link:
            content_services.record_asset_usage(
                asset=asset, user=request.user, action=AssetUsage.Action.LINK
            )
            return HttpResponseRedirect(asset.external_url)
        content_services.record_asset_usage(
            asset=asset, user=request.user, action=AssetUsage.Action.DOWNLOAD
        )
        return FileResponse(
            asset.file.open("rb"),
            as_attachment=True,
            filename=asset.original_filename,
            content_type=asset.content_type or "application/octet-stream",
        )


# --- Business cases ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Business-case models you may use"),
    retrieve=extend_schema(summary="One business-case model: its inputs and results"),
)
class BusinessCaseModelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProgramsApiView):
    queryset = BusinessCaseModel.objects.none()
    serializer_class = s.BusinessCaseModelSerializer
    search_fields = ["name"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return case_selectors.business_case_models_for(self.request.user)


class BuildBusinessCase:
    """``create`` for business cases; sits under ``IdempotentCreateMixin`` in the MRO."""

    def create(self, request, *args, **kwargs):
        data = self.validated_input(s.BusinessCaseInputSerializer)
        partners = case_selectors.partners_for_business_cases(request.user)
        if "partner" in data:
            partner = get_object_or_404(partners, pk=data["partner"])
        elif partners.count() == 1:
            partner = partners.get()
        else:
            raise DomainError(
                "Name the partner the case is for.",
                code="partner_required",
                details={"partner": "Required when you act for more than one partner, or none."},
            )
        model = case_selectors.get_business_case_model_for_user(request.user, data["model"])
        case = case_services.build_business_case(
            actor=request.user,
            partner=partner,
            model=model,
            prospect_name=data["prospect_name"],
            inputs=data["inputs"],
            currency=data.get("currency"),
        )
        case = self.get_queryset().get(pk=case.pk)
        return Response(s.BusinessCaseSerializer(case).data, status=status.HTTP_201_CREATED)


class BusinessCaseFilter(django_filters.FilterSet):
    partner = IdFilter(field_name="partner_id", help_text="Partner id.")
    model = IdFilter(field_name="model_id", help_text="Model id.")

    class Meta:
        model = BusinessCase
        fields = ["partner", "model"]


@extend_schema_view(
    list=extend_schema(summary="Saved business cases in your scope"),
    retrieve=extend_schema(summary="One business case"),
    create=extend_schema(
        summary="Build and save a business case for a prospect (the partner's own people)",
        request=s.BusinessCaseInputSerializer,
        responses={201: s.BusinessCaseSerializer, **_errors(400, 403, 404, 409)},
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
)
class BusinessCaseViewSet(
    IdempotentCreateMixin,
    BuildBusinessCase,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ProgramsApiView,
):
    queryset = BusinessCase.objects.none()
    serializer_class = s.BusinessCaseSerializer
    filterset_class = BusinessCaseFilter
    search_fields = ["prospect_name"]
    ordering_fields = ["created_at", "deal_amount"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return case_selectors.business_cases_visible_to(self.request.user)
