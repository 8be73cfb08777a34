"""Deal endpoints under /api/v1/: registrations and their lifecycle, conflicts, leads, and the
vendor's accounts and opportunities. Thin adapters: every queryset comes from a scoped selector
(anything outside the caller's scope is a 404) and every write is one service call, so the
portal, the API and the scheduled jobs follow the same rules."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from deals import conflicts, services
from deals.accounts import selectors as account_selectors
from deals.accounts import services as account_services
from deals.leads import selectors as lead_selectors
from deals.leads import services as lead_services
from deals.models import (
    CustomerAccount,
    DealConflict,
    DealRegistration,
    Lead,
    Opportunity,
)
from deals.selectors import deals_visible_to
from partners.api.permissions import IsInternalStaff
from prm.api.idempotency import IdempotentCreateMixin
from prm.api.representation import with_references
from prm.api.schema import IDEMPOTENCY_PARAMETER, error_responses
from prm.api.views import ListMixin, ServiceCreateMixin, ServiceViewSet

from . import serializers as s
from .actions import LeadActionsMixin, RegistrationActionsMixin
from .bulk_actions import LeadBulkMixin, RegistrationBulkMixin
from .external import LeadExternalIdMixin, RegistrationExternalIdMixin
from .filters import ConflictFilter, LeadFilter, OpportunityFilter, RegistrationFilter

_errors = error_responses


class DealsApiView(ServiceViewSet):
    api_area = "deals"


# --- Registrations ------------------------------------------------------------------------------


def _registration_action(summary: str, request=None, codes=(400, 403, 404, 409)):
    return extend_schema(
        summary=summary,
        request=request,
        responses={200: s.RegistrationOutputSerializer, **_errors(*codes)},
    )


@extend_schema_view(
    list=extend_schema(summary="Deal registrations in your scope"),
    retrieve=extend_schema(summary="One deal registration"),
    create=extend_schema(
        summary="Register a deal (submitted for review unless `submit` is false)",
        request=s.RegistrationInputSerializer,
        responses={201: s.RegistrationOutputSerializer, **_errors(400, 403, 409)},
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
)
class RegistrationViewSet(
    RegistrationBulkMixin,
    RegistrationActionsMixin,
    RegistrationExternalIdMixin,
    IdempotentCreateMixin,
    ServiceCreateMixin,
    ListMixin,
    mixins.RetrieveModelMixin,
    DealsApiView,
):
    queryset = DealRegistration.objects.none()
    serializer_class = s.RegistrationOutputSerializer
    filterset_class = RegistrationFilter
    search_fields = ["customer_name", "customer_domain", "external_ref"]
    ordering_fields = ["created_at", "submitted_at", "sla_due_at", "estimated_amount", "status"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        # Joined for what the answer shows; not the partner's manager, which the portal's
        # pages show and each join would cost planning on every request.
        registrations = deals_visible_to(self.request.user).select_related(None)
        if self.action in ("list", "retrieve"):
            return with_references(registrations, **s.REGISTRATION_REFERENCES)
        return registrations.select_related(*s.REGISTRATION_REFERENCES)

    def create_with_service(self, request) -> Response:
        data = dict(self.validated_input(s.RegistrationInputSerializer))
        registration = services.create_registration(actor=request.user, **data)
        return Response(self._output(registration), status=status.HTTP_201_CREATED)

    def _output(self, registration: DealRegistration) -> dict:
        registration = self.get_queryset().get(pk=registration.pk)
        return s.RegistrationOutputSerializer(registration).data

    def _respond(self, registration: DealRegistration, code=status.HTTP_200_OK) -> Response:
        return Response(self._output(registration), code)

    @_registration_action("Submit a draft, an answered request or a rejected registration")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        registration = services.submit_registration(
            registration=self.get_object(), actor=request.user
        )
        return self._respond(registration)

    @_registration_action(
        "Withdraw a registration before a decision", s.OptionalReasonInputSerializer
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        registration = self.get_object()
        data = self.validated_input(s.OptionalReasonInputSerializer)
        registration = services.withdraw_registration(
            registration=registration, actor=request.user, reason=data.get("reason", "")
        )
        return self._respond(registration)

    @_registration_action(
        "Approve (the partner's channel account manager or ops)", s.OptionalReasonInputSerializer
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        registration = self.get_object()
        data = self.validated_input(s.OptionalReasonInputSerializer)
        registration = services.approve_registration(
            registration=registration, actor=request.user, reason=data.get("reason", "")
        )
        return self._respond(registration)

    @_registration_action("Reject, with a reason", s.ReasonInputSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        registration = self.get_object()
        data = self.validated_input(s.ReasonInputSerializer)
        registration = services.reject_registration(
            registration=registration, actor=request.user, reason=data["reason"]
        )
        return self._respond(registration)

    @_registration_action("Ask the partner for more information", s.ReasonInputSerializer)
    @action(detail=True, methods=["post"], url_path="request-more-info")
    def request_more_info(self, request, pk=None):
        registration = self.get_object()
        data = self.validated_input(s.ReasonInputSerializer)
        registration = services.request_more_info(
            registration=registration, actor=request.user, reason=data["reason"]
        )
        return self._respond(registration)

    @_registration_action(
        "Record the outcome: won (amount, date, products, discount, cost) or lost (reason); "
        "also the CRM's outcome push",
        s.OutcomeInputSerializer,
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        registration = self.get_object()
        data = dict(self.validated_input(s.OutcomeInputSerializer))
        data["closed_products"] = tuple(data.get("closed_products", ()))
        registration = services.record_outcome(
            registration=registration, actor=request.user, **data
        )
        return self._respond(registration)

    @extend_schema(
        summary="Ask for a longer protection window",
        request=s.ReasonInputSerializer,
        responses={201: s.ExtensionOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def extension(self, request, pk=None):
        registration = self.get_object()
        data = self.validated_input(s.ReasonInputSerializer)
        extension = services.request_extension(
            registration=registration, actor=request.user, reason=data["reason"]
        )
        return Response(s.ExtensionOutputSerializer(extension).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Candidate conflicts of a registration (its reviewer: CAM or ops)",
        responses={200: s.ConflictOutputSerializer(many=True), **_errors(404)},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def conflicts(self, request, pk=None):
        # 404 for anyone who may not review this registration, partners included: the
        # conflicting registrations belong to other partners.
        registration = conflicts.get_reviewable_registration(request.user, pk)
        rows = conflicts.conflicts_visible_to(request.user).filter(registration=registration)
        data = s.ConflictOutputSerializer(rows.order_by("-score", "id"), many=True).data
        return Response(data)


# --- Conflicts ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Candidate conflicts you may review"),
    retrieve=extend_schema(summary="One candidate conflict"),
)
class ConflictViewSet(ListMixin, mixins.RetrieveModelMixin, DealsApiView):
    queryset = DealConflict.objects.none()
    serializer_class = s.ConflictOutputSerializer
    filterset_class = ConflictFilter
    ordering_fields = ["score", "created_at"]
    ordering = ["-score", "id"]

    def get_queryset(self):
        return conflicts.conflicts_visible_to(self.request.user)

    @extend_schema(
        summary="Resolve a conflict, with a reason (the registration's CAM or ops)",
        request=s.ConflictResolveInputSerializer,
        responses={200: s.ConflictOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        conflict = self.get_object()
        data = self.validated_input(s.ConflictResolveInputSerializer)
        conflicts.resolve_conflict(conflict=conflict, actor=request.user, **data)
        return Response(s.ConflictOutputSerializer(self.get_queryset().get(pk=conflict.pk)).data)


# --- Leads --------------------------------------------------------------------------------------


def _lead_action(summary: str, request=None):
    return extend_schema(
        summary=summary,
        request=request,
        responses={200: s.LeadOutputSerializer, **_errors(400, 403, 404, 409)},
    )


@extend_schema_view(
    list=extend_schema(summary="Leads: offered to you (partners) or in your scope (vendor)"),
    retrieve=extend_schema(summary="One lead"),
    create=extend_schema(
        summary="Create a lead (vendor staff), optionally routing it at once",
        request=s.LeadInputSerializer,
        responses={201: s.LeadOutputSerializer, **_errors(400, 403, 409)},
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
)
class LeadViewSet(
    LeadBulkMixin,
    LeadActionsMixin,
    LeadExternalIdMixin,
    IdempotentCreateMixin,
    ServiceCreateMixin,
    ListMixin,
    mixins.RetrieveModelMixin,
    DealsApiView,
):
    queryset = Lead.objects.none()
    serializer_class = s.LeadOutputSerializer
    filterset_class = LeadFilter
    search_fields = ["company_name", "contact_name"]
    ordering_fields = ["created_at", "accept_by", "status"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return lead_selectors.leads_visible_to(self.request.user).select_related("registration")

    def _respond(self, lead: Lead, code=status.HTTP_200_OK) -> Response:
        return Response(s.LeadOutputSerializer(self.get_queryset().get(pk=lead.pk)).data, code)

    def create_with_service(self, request) -> Response:
        data = dict(self.validated_input(s.LeadInputSerializer))
        route = data.pop("route")
        lead = lead_services.create_lead(actor=request.user, **data)
        if route:
            lead_services.route_lead(lead=lead, actor=request.user)
        return self._respond(lead, status.HTTP_201_CREATED)

    @_lead_action("Accept a lead offered to you, before its deadline")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._respond(lead_services.accept_lead(lead=self.get_object(), actor=request.user))

    @_lead_action("Reject a lead offered to you, with a reason", s.ReasonInputSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        lead = self.get_object()
        data = self.validated_input(s.ReasonInputSerializer)
        return self._respond(lead_services.reject_lead(lead=lead, actor=request.user, **data))

    @extend_schema(
        summary="Convert an accepted lead into a deal registration",
        request=s.LeadConvertInputSerializer,
        responses={201: s.RegistrationOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        lead = self.get_object()
        data = dict(self.validated_input(s.LeadConvertInputSerializer))
        if "product_lines" in data:
            data["product_lines"] = tuple(data["product_lines"])
        registration = lead_services.convert_lead(lead=lead, actor=request.user, **data)
        registration = (
            deals_visible_to(request.user).select_related("decided_by").get(pk=registration.pk)
        )
        return Response(
            s.RegistrationOutputSerializer(registration).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Offers of this lead you may see, newest first",
        responses={200: s.LeadOfferOutputSerializer(many=True), **_errors(404)},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def offers(self, request, pk=None):
        lead = self.get_object()
        rows = lead_selectors.offer_history(request.user, lead)
        return Response(s.LeadOfferOutputSerializer(rows, many=True).data)


# --- The vendor's accounts and opportunities (internal principals only) -------------------------

CRM_ID = OpenApiParameter("crm_id", OpenApiTypes.STR, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(summary="The vendor's customer accounts (internal)"),
    retrieve=extend_schema(summary="One customer account", parameters=[CRM_ID]),
    update=extend_schema(
        summary="Create or update an account by its CRM id (program ops)",
        parameters=[CRM_ID],
        request=s.AccountInputSerializer,
        responses={
            200: s.AccountOutputSerializer,
            201: s.AccountOutputSerializer,
            **_errors(400, 403),
        },
    ),
)
class AccountViewSet(ListMixin, mixins.RetrieveModelMixin, DealsApiView):
    queryset = CustomerAccount.objects.none()
    serializer_class = s.AccountOutputSerializer
    permission_classes = [*DealsApiView.permission_classes, IsInternalStaff]
    lookup_field = "crm_id"
    lookup_value_regex = "[^/]+"
    search_fields = ["name", "domain", "crm_id"]
    ordering_fields = ["name", "updated_at"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return account_selectors.accounts_visible_to(self.request.user)

    def update(self, request, crm_id=None):
        # If-Match / If-Unmodified-Since, as on every record write (ServiceViewSet.guard).
        self.guard(self.get_queryset().filter(crm_id=crm_id).first())
        data = self.validated_input(s.AccountInputSerializer)
        account, created = account_services.upsert_account(
            crm_id=crm_id, actor=request.user, **data
        )
        self._etag_instance = account  # the answer carries the version it left
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.AccountOutputSerializer(account).data, status=code)


@extend_schema_view(
    list=extend_schema(summary="The vendor's opportunities (internal)"),
    retrieve=extend_schema(summary="One opportunity", parameters=[CRM_ID]),
    update=extend_schema(
        summary="Create or update an opportunity by its CRM id (program ops)",
        parameters=[CRM_ID],
        request=s.OpportunityInputSerializer,
        responses={
            200: s.OpportunityOutputSerializer,
            201: s.OpportunityOutputSerializer,
            **_errors(400, 403),
        },
    ),
)
class OpportunityViewSet(ListMixin, mixins.RetrieveModelMixin, DealsApiView):
    queryset = Opportunity.objects.none()
    serializer_class = s.OpportunityOutputSerializer
    permission_classes = [*DealsApiView.permission_classes, IsInternalStaff]
    filterset_class = OpportunityFilter
    lookup_field = "crm_id"
    lookup_value_regex = "[^/]+"
    search_fields = ["name", "crm_id", "account__name"]
    ordering_fields = ["updated_at", "expected_close_date", "amount"]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self):
        return account_selectors.opportunities_visible_to(self.request.user)

    def update(self, request, crm_id=None):
        self.guard(self.get_queryset().filter(crm_id=crm_id).first())
        data = self.validated_input(s.OpportunityInputSerializer)
        opportunity, created = account_services.upsert_opportunity(
            crm_id=crm_id, actor=request.user, **data
        )
        self._etag_instance = opportunity
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        opportunity = self.get_queryset().get(pk=opportunity.pk)
        return Response(s.OpportunityOutputSerializer(opportunity).data, status=code)
