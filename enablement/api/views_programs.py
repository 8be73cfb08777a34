"""Business plan, content library and business-case endpoints under /api/v1/.

Thin adapters: querysets come from the scoped selectors (anything outside the caller's scope is
a 404) and every write is one service call; domain errors become the one JSON error shape.
"""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from partners.models import Partner
from partners.selectors import partners_visible_to
from prm.api.filters import ChoicesFilter, IdFilter
from prm.api.idempotency import IdempotentCreateMixin
from prm.api.schema import IDEMPOTENCY_PARAMETER, error_responses
from prm.api.views import ListMixin, ServiceViewSet
from prm.exceptions import DomainError

from ..business_cases import selectors as case_selectors
from ..business_cases import services as case_services
from ..content import selectors as content_selectors
from ..content import services as content_services
from ..content.downloads import asset_response
from ..content.uploads import ALLOWED_EXTENSIONS
from ..models import (
    Asset,
    BusinessCase,
    BusinessCaseModel,
    JointBusinessPlan,
    OnboardingStep,
)
from ..programs import onboarding
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
    status = ChoicesFilter(choices=JointBusinessPlan.Status.choices)

    class Meta:
        model = JointBusinessPlan
        fields = ["partner", "fiscal_year", "status"]


class DraftBusinessPlan:
    """``create`` for business plans; sits under ``IdempotentCreateMixin`` in the MRO."""

    def create(self, request, *args, **kwargs):
        data = dict(self.validated_input(s.PlanCreateInputSerializer))
        partner = _partner_for_new_plan(request.user, data.pop("partner", None))
        plan = program_services.create_plan(actor=request.user, partner=partner, **data)
        return self._detail(plan, status_code=status.HTTP_201_CREATED)


def _partner_for_new_plan(user, partner_id: int | None) -> Partner:
    """The partner named (404 outside the caller's scope), or the caller's only one. Partners
    the caller may not draft for are the service's refusal (403), as in the portal."""
    if partner_id is not None:
        return get_object_or_404(partners_visible_to(user), pk=partner_id)
    eligible = program_selectors.partners_for_new_plan(user)
    if eligible.count() == 1:
        return eligible.get()
    raise DomainError(
        "Name the partner the plan is for.",
        code="partner_required",
        details={"partner": "Required when you may draft plans for more than one partner."},
    )


@extend_schema_view(
    list=extend_schema(summary="Joint business plans in your scope"),
    retrieve=extend_schema(
        summary="One plan with its targets, initiatives and check-ins",
        responses={200: s.BusinessPlanDetailSerializer, **_errors(404)},
    ),
    create=extend_schema(
        summary="Draft the plan of a partner for a fiscal year (its CAM, ops or a partner admin)",
        request=s.PlanCreateInputSerializer,
        responses={201: s.BusinessPlanDetailSerializer, **_errors(400, 403, 404, 409)},
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
    partial_update=extend_schema(
        summary="Change a draft: title, summary; targets, initiatives, check-ins as sent",
        request=s.PlanChangeInputSerializer,
        responses={200: s.BusinessPlanDetailSerializer, **_errors(400, 403, 404, 409)},
    ),
)
class BusinessPlanViewSet(
    IdempotentCreateMixin,
    DraftBusinessPlan,
    ListMixin,
    mixins.RetrieveModelMixin,
    ProgramsApiView,
):
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

    def partial_update(self, request, pk=None):
        plan = self.get_object()
        data = self.validated_input(s.PlanChangeInputSerializer)
        program_services.update_plan(
            actor=request.user,
            plan=plan,
            title=data.get("title", plan.title),
            summary=data.get("summary", plan.summary),
            targets=data.get("targets"),
            initiatives=data.get("initiatives"),
            checkins=data.get("checkins"),
        )
        return self._detail(plan)

    @extend_schema(
        summary="Record what a check-in covered: the day it was held and its notes",
        request=s.PlanCheckInNotesInputSerializer,
        responses={200: s.BusinessPlanDetailSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path=r"check-ins/(?P<checkin_pk>[0-9]+)")
    def checkin(self, request, pk=None, checkin_pk=None):
        plan = self.get_object()
        checkin = program_selectors.get_checkin(plan, checkin_pk)
        data = self.validated_input(s.PlanCheckInNotesInputSerializer)
        program_services.record_checkin(
            actor=request.user, checkin=checkin, held_on=data["held_on"], notes=data["notes"]
        )
        return self._detail(plan)

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


# --- Onboarding -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Onboarding partners in your scope with their checklists"),
    retrieve=extend_schema(summary="A partner's onboarding checklist (by partner id)"),
)
class OnboardingViewSet(ListMixin, mixins.RetrieveModelMixin, ProgramsApiView):
    """Looked up by partner id: each partner follows one checklist."""

    queryset = Partner.objects.none()
    serializer_class = s.OnboardingStatusSerializer
    filter_backends: list = []

    def get_queryset(self):
        if self.action == "list":
            return program_selectors.onboarding_partners(self.request.user)
        return partners_visible_to(self.request.user)

    def _data(self, status_) -> dict:
        checkable = {
            state.step.pk
            for state in status_.steps
            if program_selectors.can_check_step(self.request.user, status_.partner, state.step)
        }
        return s.OnboardingStatusSerializer(status_, context={"checkable": checkable}).data

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        statuses = program_selectors.onboarding_statuses(page or [])
        return self.get_paginated_response([self._data(status_) for status_ in statuses])

    def retrieve(self, request, *args, **kwargs):
        return Response(self._data(program_selectors.onboarding_status(self.get_object())))

    @extend_schema(
        summary="Tick a manual step of the checklist done, or open it again (audited)",
        request=s.OnboardingCheckInputSerializer,
        responses={200: s.OnboardingStatusSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        partner = self.get_object()
        data = self.validated_input(s.OnboardingCheckInputSerializer)
        step = OnboardingStep.objects.filter(pk=data["step"]).first()
        if step is None:
            raise ValidationError({"step": ["No such onboarding step."]})
        status_ = onboarding.check_onboarding_step(
            actor=request.user, partner=partner, step=step, done=data["done"], note=data["note"]
        )
        return Response(self._data(status_))


# --- Content library --------------------------------------------------------------------------


class AssetFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Asset.Kind.choices)

    class Meta:
        model = Asset
        fields = ["kind", "co_brandable"]


@extend_schema_view(
    list=extend_schema(summary="Library assets you may see (by tier and business model)"),
    retrieve=extend_schema(summary="One asset"),
    create=extend_schema(
        summary="Add an asset to the library: a file or a link (program ops; multipart)",
        request={
            "multipart/form-data": s.AssetInputSerializer,
            "application/json": s.AssetInputSerializer,
        },
        responses={201: s.AssetSerializer, **_errors(400, 403, 409)},
    ),
)
class AssetViewSet(ListMixin, mixins.RetrieveModelMixin, ProgramsApiView):
    queryset = Asset.objects.none()
    serializer_class = s.AssetSerializer
    # A new asset comes with its file (multipart); a link may come as JSON.
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_class = AssetFilter
    search_fields = ["title", "description"]
    ordering_fields = ["created_at", "title"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return content_selectors.assets_visible_to(self.request.user).prefetch_related(
            "visible_to_tiers"
        )

    def create(self, request, *args, **kwargs):
        data = self.validated_input(s.AssetInputSerializer)
        asset = content_services.create_asset(
            actor=request.user,
            title=data["title"],
            description=data.get("description", ""),
            kind=data["kind"],
            upload=data.get("file"),
            external_url=data.get("external_url", ""),
            tiers=data.get("tiers", []),
            business_models=sorted(data.get("business_models", ())),
            co_brandable=data["co_brandable"],
            published=data["published"],
        )
        asset = self.get_queryset().get(pk=asset.pk)
        return Response(
            s.AssetSerializer(asset, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
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
        return asset_response(self.get_object(), request.user)


# --- Business cases ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Business-case models you may use"),
    retrieve=extend_schema(summary="One business-case model: its inputs and results"),
)
class BusinessCaseModelViewSet(ListMixin, mixins.RetrieveModelMixin, ProgramsApiView):
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
    ListMixin,
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
