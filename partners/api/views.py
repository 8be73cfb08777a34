"""Partner endpoints under /api/v1/. Thin adapters: every queryset comes from a scoped selector
(so anything outside the caller's scope is a 404) and every write is one service call."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from partners import profile, services
from partners.external_ids import set_partner_external_id
from partners.models import Application, Invitation, Partner, PartnerMembership, Tier
from partners.recruitment import services as recruitment_services
from partners.recruitment.selectors import applications_visible_to
from partners.selectors import (
    invitations_visible_to,
    memberships_visible_to,
    partners_visible_to,
    tier_ladder,
)
from prm.api.idempotency import IdempotentCreateMixin
from prm.api.schema import IDEMPOTENCY_PARAMETER, error_responses
from prm.api.sync import PRECONDITION_PARAMETERS
from prm.api.views import ListMixin, ServiceCreateMixin, ServiceViewSet

from . import serializers as s
from .bulk_actions import PartnerBulkMixin
from .filters import ApplicationFilter, InvitationFilter, MembershipFilter, PartnerFilter
from .permissions import IsInternalStaff, IsProgramOps
from .throttles import ApplicationSubmitThrottle
from .views_program import TIER_CREATE_SCHEMA, TierConfigMixin

_errors = error_responses


class PartnerApiView(ServiceViewSet):
    api_area = "partners"


# --- Partners -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List partners in your scope"),
    retrieve=extend_schema(summary="One partner", responses={200: s.PartnerOutputSerializer}),
    partial_update=extend_schema(
        summary="Change a partner's profile (its admins; the agreement's facts: program ops)",
        description=(
            "Only the fields sent change. A partner's admins may change `display_name`, "
            "`website`, `regions_served`, `target_sectors` and `solution_stack`; program ops "
            "also `legal_name`, `hq_country`, `business_model` and `compensation_preference`. "
            "A new business model or compensation applies to deals closed from today on; "
            "deals closed before are paid on the terms they closed under. "
            "One audit row holds every changed field's before and after."
        ),
        request=s.PartnerProfileInputSerializer,
        responses={200: s.PartnerOutputSerializer, **_errors(400, 403, 404)},
    ),
)
class PartnerViewSet(PartnerBulkMixin, ListMixin, mixins.RetrieveModelMixin, PartnerApiView):
    queryset = Partner.objects.none()
    serializer_class = s.PartnerOutputSerializer
    filterset_class = PartnerFilter
    search_fields = ["display_name", "legal_name"]
    ordering_fields = ["display_name", "legal_name", "created_at", "status", "tier__rank"]
    ordering = ["display_name", "id"]

    def get_queryset(self):
        return partners_visible_to(self.request.user)

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.action in {"change_status", "change_tier", "set_external_id"}:
            permissions.append(IsProgramOps())
        return permissions

    def _present(self, partner: Partner) -> Response:
        partner = self.get_queryset().get(pk=partner.pk)
        return Response(s.PartnerOutputSerializer(partner).data)

    def partial_update(self, request, pk=None):
        partner = self.get_object()
        changes = dict(self.validated_input(s.PartnerProfileInputSerializer))
        partner = profile.update_partner_profile(
            partner=partner, actor=request.user, changes=changes
        )
        return self._present(partner)

    @extend_schema(
        summary="Change a partner's status (program ops)",
        request=s.PartnerStatusInputSerializer,
        responses={200: s.PartnerOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        partner = self.get_object()
        data = self.validated_input(s.PartnerStatusInputSerializer)
        partner = services.change_partner_status(
            partner=partner, actor=request.user, to=data["status"], reason=data["reason"]
        )
        return self._present(partner)

    @extend_schema(
        summary="Move a partner to another tier (program ops)",
        request=s.PartnerTierInputSerializer,
        responses={200: s.PartnerOutputSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="tier")
    def change_tier(self, request, pk=None):
        partner = self.get_object()
        data = self.validated_input(s.PartnerTierInputSerializer)
        partner = services.set_partner_tier(
            partner=partner,
            tier=data["tier"],
            actor=request.user,
            reason=data["reason"],
            effective_from=data.get("effective_from"),
        )
        return self._present(partner)

    @extend_schema(
        summary="Record a Scale / Skill / Will assessment of a partner (its CAM or ops)",
        request=s.QualificationInputSerializer,
        responses={201: s.QualificationOutputSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def qualify(self, request, pk=None):
        partner = self.get_object()
        data = self.validated_input(s.QualificationInputSerializer)
        qualification = recruitment_services.qualify_partner(
            partner=partner, actor=request.user, **data
        )
        return Response(
            s.QualificationOutputSerializer(qualification).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Link a partner to the vendor CRM's id (program ops); empty or null clears it",
        request=s.PartnerExternalIdInputSerializer,
        responses={200: s.PartnerOutputSerializer, **_errors(400, 403, 404, 409, 412)},
        parameters=PRECONDITION_PARAMETERS,
    )
    @action(detail=True, methods=["post"], url_path="external-id")
    def set_external_id(self, request, pk=None):
        partner = self.get_object()
        data = self.validated_input(s.PartnerExternalIdInputSerializer)
        partner = set_partner_external_id(
            partner=partner, actor=request.user, external_id=data["external_id"]
        )
        return self._present(partner)

    @extend_schema(
        summary="One partner, by the vendor CRM's external id",
        parameters=[
            OpenApiParameter("external_id", OpenApiTypes.STR, OpenApiParameter.PATH),
        ],
        responses={200: s.PartnerOutputSerializer, **_errors(404)},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"by-external-id/(?P<external_id>[^/]+)",
        filterset_class=None,
        pagination_class=None,
    )
    def by_external_id(self, request, external_id=None):
        partner = self.guard(self.get_queryset().filter(external_id=external_id).first())
        if partner is None:
            raise NotFound()
        return self._present(partner)


# --- Memberships and invitations ----------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="People in the partners in your scope"),
    destroy=extend_schema(
        summary="Remove a person from a partner (its admins, or program ops)",
        responses={204: None, **_errors(400, 403, 404)},
    ),
    partial_update=extend_schema(
        summary="Change a person's role or office (the partner's admins, or program ops)",
        description=(
            "Only the fields sent change. A partner keeps at least one admin, and an admin "
            "cannot take away their own admin role."
        ),
        request=s.MembershipUpdateInputSerializer,
        responses={200: s.MembershipOutputSerializer, **_errors(400, 403, 404)},
    ),
)
class MembershipViewSet(ListMixin, mixins.DestroyModelMixin, PartnerApiView):
    queryset = PartnerMembership.objects.none()
    serializer_class = s.MembershipOutputSerializer
    filterset_class = MembershipFilter
    ordering_fields = ["created_at", "role"]
    ordering = ["partner_id", "user__email", "id"]

    def get_queryset(self):
        # Integrations' service accounts are not people of the partner: their keys are managed
        # (and revoked) on the API keys page, not removed here.
        return memberships_visible_to(self.request.user).filter(user__is_service_account=False)

    def perform_destroy(self, instance):
        services.remove_member(membership=instance, actor=self.request.user)

    def partial_update(self, request, pk=None):
        membership = self.get_object()
        data = self.validated_input(s.MembershipUpdateInputSerializer)
        office = membership.office
        if "office" in data:
            office = None
            if data["office"] is not None:
                office = membership.partner.offices.filter(pk=data["office"]).first()
                if office is None:
                    raise ValidationError({"office": [_("Not an office of this partner.")]})
        membership = services.change_member(
            membership=membership,
            actor=request.user,
            role=data.get("role", membership.role),
            office=office,
        )
        return Response(
            s.MembershipOutputSerializer(self.get_queryset().get(pk=membership.pk)).data
        )


@extend_schema_view(
    list=extend_schema(summary="Open invitations of the partners you administer"),
    create=extend_schema(
        summary="Invite someone to a partner (its admins, or program ops)",
        request=s.InvitationInputSerializer,
        responses={201: s.InvitationOutputSerializer, **_errors(400, 403, 409)},
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
    destroy=extend_schema(
        summary="Revoke an open invitation", responses={204: None, **_errors(403, 404)}
    ),
)
class InvitationViewSet(
    IdempotentCreateMixin,
    ServiceCreateMixin,
    ListMixin,
    mixins.DestroyModelMixin,
    PartnerApiView,
):
    queryset = Invitation.objects.none()
    serializer_class = s.InvitationOutputSerializer
    input_serializer_class = s.InvitationInputSerializer
    output_serializer_class = s.InvitationOutputSerializer
    filterset_class = InvitationFilter
    ordering_fields = ["created_at", "expires_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return invitations_visible_to(self.request.user)

    def perform_service_create(self, data: dict):
        return services.invite_user(
            partner=data["partner"],
            email=data["email"],
            role=data["role"],
            office=data.get("office"),
            actor=self.request.user,
            invite_anyway=data.get("invite_anyway", False),
        )

    def perform_destroy(self, instance):
        services.revoke_invitation(invitation=instance, actor=self.request.user)


# --- Tiers --------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Program tiers with their requirements"),
    retrieve=extend_schema(summary="One tier with its requirements"),
    create=TIER_CREATE_SCHEMA,
)
class TierViewSet(
    IdempotentCreateMixin,
    TierConfigMixin,
    ListMixin,
    mixins.RetrieveModelMixin,
    PartnerApiView,
):
    queryset = Tier.objects.none()
    serializer_class = s.TierOutputSerializer
    filter_backends: list = []
    ordering = ["rank"]

    def get_queryset(self):
        # The tier ladder is program information every signed-in caller may read.
        return tier_ladder()


# --- Applications -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Applications to review (channel account managers, ops)"),
    retrieve=extend_schema(summary="One application"),
    create=extend_schema(
        summary="Apply to become a partner (no account needed)",
        description=(
            "Public: no authentication needed, rate-limited per caller. An "
            "`Idempotency-Key` is honoured for authenticated callers only, since idempotency "
            "records belong to a principal."
        ),
        request=s.ApplicationInputSerializer,
        responses={201: s.ApplicationReceiptSerializer, **_errors(400, 409)},
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
)
class ApplicationViewSet(
    IdempotentCreateMixin,
    ServiceCreateMixin,
    ListMixin,
    mixins.RetrieveModelMixin,
    PartnerApiView,
):
    queryset = Application.objects.none()
    serializer_class = s.ApplicationOutputSerializer
    input_serializer_class = s.ApplicationInputSerializer
    output_serializer_class = s.ApplicationReceiptSerializer
    filterset_class = ApplicationFilter
    search_fields = ["partner__display_name", "partner__legal_name", "contact_email"]
    ordering_fields = ["submitted_at", "decided_at", "status"]
    ordering = ["-submitted_at", "-id"]

    def get_queryset(self):
        return applications_visible_to(self.request.user)

    def get_permissions(self):
        if self.action == "create":
            return [AllowAny()]
        return [*super().get_permissions(), IsInternalStaff()]

    def get_throttles(self):
        if self.action == "create":
            return [ApplicationSubmitThrottle(), *super().get_throttles()]
        return super().get_throttles()

    def create(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return super().create(request, *args, **kwargs)
        # Idempotency records belong to a principal and an anonymous applicant has none; the
        # throttle bounds what its retries can do.
        return self.create_with_service(request)

    def perform_service_create(self, data: dict):
        return recruitment_services.submit_application(**data)

    def _present(self, application: Application) -> Response:
        application = self.get_queryset().get(pk=application.pk)
        return Response(s.ApplicationOutputSerializer(application).data)

    @extend_schema(
        summary="Approve: the partner starts onboarding and the contact is invited as admin",
        request=s.ApplicationApproveInputSerializer,
        responses={200: s.ApplicationOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        application = self.get_object()
        data = self.validated_input(s.ApplicationApproveInputSerializer)
        application = recruitment_services.approve_application(
            application=application,
            actor=request.user,
            reason=data["reason"],
            channel_manager=data.get("channel_manager"),
            tier=data.get("tier"),
        )
        return self._present(application)

    @extend_schema(
        summary="Decline, with the reason sent to the applicant",
        request=s.ApplicationDeclineInputSerializer,
        responses={200: s.ApplicationOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        application = self.get_object()
        data = self.validated_input(s.ApplicationDeclineInputSerializer)
        application = recruitment_services.decline_application(
            application=application, actor=request.user, reason=data["reason"]
        )
        return self._present(application)

    @extend_schema(
        summary="Record a Scale / Skill / Will assessment of the applicant",
        request=s.QualificationInputSerializer,
        responses={201: s.QualificationOutputSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def qualify(self, request, pk=None):
        application = self.get_object()
        data = self.validated_input(s.QualificationInputSerializer)
        qualification = recruitment_services.qualify_partner(
            partner=application.partner, actor=request.user, **data
        )
        return Response(
            s.QualificationOutputSerializer(qualification).data, status=status.HTTP_201_CREATED
        )
