"""``…/by-external-id/{external_id}/`` on registrations and leads: read by the CRM's id, and
upsert (PUT: 201 when created, 200 when updated or unchanged) through the same services as the
portal. ``If-Match`` / ``If-Unmodified-Since`` guard an update like any other write."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound

from deals.leads import services as lead_services
from deals.services import external
from prm.api.schema import error_responses
from prm.api.sync import PRECONDITION_PARAMETERS

from . import serializers as s

EXTERNAL_ID_PATH = r"by-external-id/(?P<external_id>[^/]+)"
EXTERNAL_ID = OpenApiParameter(
    "external_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The CRM's id for the record (1 to 100 characters, no slashes).",
)


class ExternalIdMixin:
    # Adds ``by_external_id`` to a view set whose model has ``external_id``. (A comment, not a
    # docstring: the schema would show a mixin's docstring as the view's description.)

    def _by_external_id(self, external_id: str):
        instance = self.get_queryset().filter(external_id=external_id).first()
        return self.guard(instance)

    def _read_or_upsert(self, request, external_id: str, input_serializer, upsert):
        """GET answers the record or 404; PUT validates the body, runs ``upsert(data)`` (which
        returns the record and whether it was created) and answers 201 or 200."""
        existing = self._by_external_id(external_id)
        if request.method == "GET":
            if existing is None:
                raise NotFound()
            return self._respond(existing)
        record, created = upsert(dict(self.validated_input(input_serializer)))
        self._etag_instance = record
        return self._respond(record, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RegistrationExternalIdMixin(ExternalIdMixin):
    @extend_schema(
        methods=["GET"],
        summary="One deal registration, by the CRM's external id",
        parameters=[EXTERNAL_ID],
        request=None,
        responses={200: s.RegistrationOutputSerializer, **error_responses(404)},
    )
    @extend_schema(
        methods=["PUT"],
        summary="Create or update a registration by the CRM's external id (upsert)",
        description=(
            "Creates the registration (submitted unless `submit` is false) when no registration "
            "has this external id; otherwise edits it with the portal's rules (only a draft or "
            "a registration waiting for information can change) and answers 200. The same body "
            "again changes nothing."
        ),
        parameters=[EXTERNAL_ID, *PRECONDITION_PARAMETERS],
        request=s.RegistrationInputSerializer,
        responses={
            200: s.RegistrationOutputSerializer,
            201: s.RegistrationOutputSerializer,
            **error_responses(400, 403, 404, 409, 412),
        },
    )
    @action(detail=False, methods=["get", "put"], url_path=EXTERNAL_ID_PATH)
    def by_external_id(self, request, external_id=None):
        def upsert(data):
            return external.upsert_registration(actor=request.user, external_id=external_id, **data)

        return self._read_or_upsert(request, external_id, s.RegistrationInputSerializer, upsert)


class LeadExternalIdMixin(ExternalIdMixin):
    @extend_schema(
        methods=["GET"],
        summary="One lead, by the CRM's external id",
        parameters=[EXTERNAL_ID],
        request=None,
        responses={200: s.LeadOutputSerializer, **error_responses(404)},
    )
    @extend_schema(
        methods=["PUT"],
        summary="Create or update a lead by the CRM's external id (upsert, vendor staff)",
        description=(
            "Creates the lead when no lead has this external id; otherwise updates its details, "
            "which only a lead not yet offered allows. `route` offers a new lead at once."
        ),
        parameters=[EXTERNAL_ID, *PRECONDITION_PARAMETERS],
        request=s.LeadInputSerializer,
        responses={
            200: s.LeadOutputSerializer,
            201: s.LeadOutputSerializer,
            **error_responses(400, 403, 404, 409, 412),
        },
    )
    @action(detail=False, methods=["get", "put"], url_path=EXTERNAL_ID_PATH)
    def by_external_id(self, request, external_id=None):
        def upsert(data):
            route = data.pop("route")
            lead, created = external.upsert_lead(
                actor=request.user, external_id=external_id, **data
            )
            if created and route:
                lead_services.route_lead(lead=lead, actor=request.user)
            return lead, created

        return self._read_or_upsert(request, external_id, s.LeadInputSerializer, upsert)
