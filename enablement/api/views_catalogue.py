"""The learning catalogue (tracks and courses) and public certificate verification under
/api/v1/. Reads use the portal's selectors (``tracks_for``, ``find_by_verification_code``);
writes are program ops' and go through ``enablement.catalogue``."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from partners.api.permissions import IsProgramOps
from partners.models import BusinessModel
from prm.api.schema import error_responses
from prm.api.views import ListMixin
from prm.exceptions import DomainError

from .. import badges, catalogue, selectors
from ..models import Role
from . import serializers_catalogue as s
from .views import EnablementApiView

CATALOGUE_FILTERS = [
    OpenApiParameter("role", OpenApiTypes.STR, enum=Role.values, description="Only this role."),
    OpenApiParameter(
        "business_model",
        OpenApiTypes.STR,
        enum=BusinessModel.values,
        description="Only what is meant for this business model (or for every partner).",
    ),
]


class CatalogueViewSet(ListMixin, mixins.RetrieveModelMixin, EnablementApiView):
    """Shared by tracks and courses: the catalogue is ``selectors.tracks_for`` (a small,
    curated list), filtered by role and business model as on the portal's catalogue page."""

    filter_backends: list = []
    write_actions = {"create", "partial_update"}

    def get_permissions(self):
        if self.action in self.write_actions:
            return [*super().get_permissions(), IsProgramOps()]
        return super().get_permissions()

    def tracks(self):
        if self.action != "list":
            return selectors.tracks_for()  # one entry is found by id, whatever it is for
        params = self.request.query_params
        role = params.get("role", "")
        business_model = params.get("business_model", "")
        if role not in ("", *Role.values) or business_model not in ("", *BusinessModel.values):
            raise DomainError("Unknown role or business model.", code="invalid")
        return selectors.tracks_for(role=role, business_model=business_model)

    def get_object(self):
        for row in self.get_queryset():
            if str(row.pk) == self.kwargs["pk"]:
                return row
        raise Http404

    def partial_update(self, request, pk=None):
        instance = self.get_object()
        serializer = self.input_serializer_class(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        self.update_with_service(instance, dict(serializer.validated_data))
        return self.retrieve(request, pk=pk)

    def create(self, request):
        created = self.create_with_service(dict(self.validated_input(self.input_serializer_class)))
        self.kwargs["pk"] = str(created.pk)
        output = self.get_serializer(self.get_object())
        return Response(output.data, status=status.HTTP_201_CREATED)


def _catalogue_schema(noun: str, output, input_serializer):
    return extend_schema_view(
        list=extend_schema(
            summary=f"{noun.capitalize()}s of the catalogue", parameters=CATALOGUE_FILTERS
        ),
        retrieve=extend_schema(summary=f"One {noun}"),
        create=extend_schema(
            summary=f"Add a {noun} (program ops)",
            request=input_serializer,
            responses={201: output, **error_responses(400, 403, 409)},
        ),
        partial_update=extend_schema(
            summary=f"Change a {noun} (program ops)",
            request=input_serializer,
            responses={200: output, **error_responses(400, 403, 404, 409)},
        ),
    )


@_catalogue_schema("track", s.TrackSerializer, s.TrackInputSerializer)
class TrackViewSet(CatalogueViewSet):
    serializer_class = s.TrackSerializer
    input_serializer_class = s.TrackInputSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return self.tracks()

    def create_with_service(self, data):
        return catalogue.create_track(actor=self.request.user, **data)

    def update_with_service(self, track, data):
        return catalogue.update_track(actor=self.request.user, track=track, **data)


@_catalogue_schema("course", s.CourseSerializer, s.CourseInputSerializer)
class CourseViewSet(CatalogueViewSet):
    serializer_class = s.CourseSerializer
    input_serializer_class = s.CourseInputSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return [course for track in self.tracks() for course in track.course_list]

    def create_with_service(self, data):
        return catalogue.create_course(actor=self.request.user, **data)

    def update_with_service(self, course, data):
        return catalogue.update_course(actor=self.request.user, course=course, **data)


@extend_schema(
    summary="Verify a certificate by its public code (no credentials)",
    description=(
        "Answers whether the certificate is `valid` or `expired`, with only what the public "
        "verification page shows; an unknown code is a 404."
    ),
    responses={200: s.VerificationSerializer, **error_responses(404)},
    auth=[],
)
class VerificationViewSet(mixins.RetrieveModelMixin, EnablementApiView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    serializer_class = s.VerificationSerializer
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9_-]+"

    def retrieve(self, request, code=None):
        pc = selectors.find_by_verification_code(code)
        if pc is None:
            raise NotFound(
                "No certificate has this verification code.", code="unknown_verification_code"
            )
        cert = badges.public_view(pc)
        data = {
            "status": "expired" if cert.expired else "valid",
            "code": cert.code,
            "holder": cert.holder,
            "partner": cert.partner,
            "certification": cert.certification,
            "kind": cert.kind,
            "valid_until": cert.valid_until,
        }
        return Response(s.VerificationSerializer(data).data)
