"""Certification endpoints under /api/v1/. Thin adapters: every queryset comes from a scoped
selector (anything outside the caller's scope is a 404) and every write is one service call."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from partners.models import Partner
from partners.selectors import get_partner_for_user
from partners.tier_progress import standing
from prm.api.filters import ChoicesFilter, IdFilter, WordSearchFilter
from prm.api.idempotency import IdempotentCreateMixin
from prm.api.schema import IDEMPOTENCY_PARAMETER, error_responses
from prm.api.views import ListMixin, ServiceViewSet

from .. import references, selectors, services
from ..models import Certification, PersonCertification, ReferenceImplementation
from . import serializers as s
from .views_config import CERTIFICATION_CREATE_SCHEMA, CertificationConfigMixin

_errors = error_responses


class EnablementApiView(ServiceViewSet):
    api_area = "enablement"


class CertificationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Certification.Kind.choices)

    class Meta:
        model = Certification
        fields = ["kind"]


@extend_schema_view(
    list=extend_schema(summary="The certification catalogue"),
    retrieve=extend_schema(summary="One certification"),
    create=CERTIFICATION_CREATE_SCHEMA,
)
class CertificationViewSet(
    IdempotentCreateMixin,
    CertificationConfigMixin,
    ListMixin,
    mixins.RetrieveModelMixin,
    EnablementApiView,
):
    queryset = Certification.objects.none()
    serializer_class = s.CertificationSerializer
    filterset_class = CertificationFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "kind", "points"]
    ordering = ["kind", "name", "id"]

    def get_queryset(self):
        return selectors.certification_catalogue()


class PersonCertificationFilter(django_filters.FilterSet):
    partner = IdFilter(field_name="partner_id", help_text=_("Partner id."))
    status = ChoicesFilter(choices=PersonCertification.Status.choices)
    kind = django_filters.ChoiceFilter(
        field_name="certification__kind", choices=Certification.Kind.choices, method="holding"
    )
    certification = django_filters.CharFilter(
        field_name="certification__code", help_text=_("Certification code."), method="holding"
    )
    expires_before = django_filters.DateFilter(field_name="expires_on", lookup_expr="lte")

    class Meta:
        model = PersonCertification
        fields = ["partner", "status", "kind", "certification", "expires_before"]

    def holding(self, queryset, name, value):
        by = "kind" if name == "certification__kind" else "code"
        return selectors.holding(queryset, **{by: value})


class RecordCompletionCreate:
    """``create`` for person certifications; sits under ``IdempotentCreateMixin`` in the MRO."""

    def create(self, request, *args, **kwargs):
        data = self.validated_input(s.PersonCertificationInputSerializer)
        pc, created = services.record_completion(
            actor=request.user, source=PersonCertification.Source.API, **data
        )
        pc = PersonCertification.objects.select_related(
            "user", "partner", "office", "certification"
        ).get(pk=pc.pk)
        return Response(
            s.PersonCertificationSerializer(pc).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class SubmitReferenceCreate:
    """``create`` for reference implementations; sits under ``IdempotentCreateMixin``."""

    def create(self, request, *args, **kwargs):
        data = dict(self.validated_input(s.ReferenceImplementationInputSerializer))
        partner = get_partner_for_user(request.user, data.pop("partner"))
        reference = references.submit_reference_implementation(
            actor=request.user, partner=partner, **data
        )
        return Response(
            s.ReferenceImplementationSerializer(self.get_queryset().get(pk=reference.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class PersonCertificationSearch(WordSearchFilter):
    """``?search=`` over the person's name and email and the certification's name (the view's
    ``search_fields``, as the schema shows them), through the selector that finds the matching
    people and certifications first."""

    def filter_queryset(self, request, queryset, view):
        terms = self.get_search_terms(request)
        if not terms:
            return queryset
        return selectors.search_person_certifications(queryset, " ".join(terms))


@extend_schema_view(
    list=extend_schema(summary="Person certifications in your scope"),
    retrieve=extend_schema(summary="One person certification"),
    create=extend_schema(
        summary="Record a completion (program ops, or keys with enablement:write)",
        description=(
            "Idempotent: the same completion (person, certification and day, or the same "
            "external id) returns the existing row with status 200; a new one answers 201."
        ),
        request=s.PersonCertificationInputSerializer,
        responses={
            201: s.PersonCertificationSerializer,
            200: s.PersonCertificationSerializer,
            **_errors(400, 403, 409),
        },
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
)
class PersonCertificationViewSet(
    IdempotentCreateMixin,
    RecordCompletionCreate,
    ListMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    EnablementApiView,
):
    queryset = PersonCertification.objects.none()
    serializer_class = s.PersonCertificationSerializer
    filterset_class = PersonCertificationFilter
    filter_backends = [
        PersonCertificationSearch if backend is WordSearchFilter else backend
        for backend in api_settings.DEFAULT_FILTER_BACKENDS
    ]
    search_fields = ["user__email", "user__full_name", "certification__name"]
    ordering_fields = ["earned_on", "expires_on", "status"]
    ordering = ["expires_on", "id"]

    def get_queryset(self):
        return selectors.person_certifications_visible_to(self.request.user)


class ReferenceFilter(django_filters.FilterSet):
    partner = IdFilter(field_name="partner_id", help_text=_("Partner id."))
    status = ChoicesFilter(choices=ReferenceImplementation.Status.choices)

    class Meta:
        model = ReferenceImplementation
        fields = ["partner", "status"]


@extend_schema_view(
    list=extend_schema(summary="Reference implementations in your scope"),
    retrieve=extend_schema(summary="One reference implementation"),
    create=extend_schema(
        summary="Submit a reference implementation (partner admins)",
        request=s.ReferenceImplementationInputSerializer,
        responses={201: s.ReferenceImplementationSerializer, **_errors(400, 403, 404)},
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
)
class ReferenceImplementationViewSet(
    IdempotentCreateMixin,
    SubmitReferenceCreate,
    ListMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    EnablementApiView,
):
    queryset = ReferenceImplementation.objects.none()
    serializer_class = s.ReferenceImplementationSerializer
    filterset_class = ReferenceFilter
    ordering_fields = ["submitted_at", "completed_on"]
    ordering = ["-submitted_at", "-id"]

    def get_queryset(self):
        return selectors.reference_implementations_visible_to(self.request.user)

    @extend_schema(
        summary="Approve or reject (the partner's channel account manager)",
        request=s.ReferenceDecisionInputSerializer,
        responses={200: s.ReferenceImplementationSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="decision")
    def decision(self, request, pk=None):
        reference = self.get_object()
        data = self.validated_input(s.ReferenceDecisionInputSerializer)
        references.decide_reference_implementation(
            actor=request.user, reference=reference, approve=data["approve"], reason=data["reason"]
        )
        return Response(
            s.ReferenceImplementationSerializer(self.get_queryset().get(pk=reference.pk)).data
        )


class PartnerStandingView(generics.GenericAPIView):
    """Each requirement of the partner's current and next tier: met or not, value, threshold
    and what is missing."""

    api_area = "enablement"
    serializer_class = s.PartnerStandingSerializer
    queryset = Partner.objects.none()
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="Where a partner stands against its tiers",
        responses={200: s.PartnerStandingSerializer, **_errors(404)},
    )
    def get(self, request, partner_id: int):
        partner = get_partner_for_user(request.user, partner_id)
        return Response(s.PartnerStandingSerializer(standing(partner)).data)
