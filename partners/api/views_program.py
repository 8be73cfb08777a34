"""Program configuration owned by the partners app under /api/v1/: tier writes (on the tier
endpoint every caller reads), agreement versions and channel teams. Program ops only, with a
key's ``program`` scope; each write is the Program area's service
(``partners.program.services``), which checks the rules, refuses with the portal's messages and
writes the audit row with the before and after."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status
from rest_framework.response import Response

from partners.models import Agreement
from partners.program import services
from prm.api.idempotency import IdempotentCreateMixin
from prm.api.schema import IDEMPOTENCY_PARAMETER, error_responses
from prm.api.views import ListMixin, ServiceViewSet
from prm.models import ChannelTeam

from . import serializers as s
from . import serializers_program as ps
from .permissions import IsInternalStaff, IsProgramOps

_errors = error_responses
WRITES = {"create", "partial_update", "destroy"}


# The creates' schemas sit on the view sets (``extend_schema_view``): ``IdempotentCreateMixin``
# wraps ``create``, so an annotation on the method below it would not be seen.
TIER_CREATE_SCHEMA = extend_schema(
    summary="Add a tier with its requirements (program ops)",
    description=(
        "A higher tier may not earn less than a lower one (MDF accrual rate, commission "
        "multiplier); each metric appears once; counted metrics take whole numbers. A "
        "refusal is a 400 with the portal's message and the problem under each field."
    ),
    request=ps.TierInputSerializer,
    responses={201: s.TierOutputSerializer, **_errors(400, 403, 409)},
    parameters=[IDEMPOTENCY_PARAMETER],
)

AGREEMENT_CREATE_SCHEMA = extend_schema(
    summary="Publish a new version of the program agreement (program ops)",
    description=(
        "From `effective_at` on it is the current version and every partner must accept "
        "it again; their admins are notified now."
    ),
    request=ps.AgreementInputSerializer,
    responses={201: ps.AgreementSerializer, **_errors(400, 403, 409)},
    parameters=[IDEMPOTENCY_PARAMETER],
)

TEAM_CREATE_SCHEMA = extend_schema(
    summary="Add a channel team (program ops)",
    request=ps.ChannelTeamInputSerializer,
    responses={201: ps.ChannelTeamSerializer, **_errors(400, 403, 409)},
    parameters=[IDEMPOTENCY_PARAMETER],
)


class TierConfigMixin:
    """The writes of ``TierViewSet``. Reading the ladder stays in the ``partners`` scope every
    integration has; changing it is program configuration (``program:write``, program ops)."""

    @property
    def api_area(self) -> str:
        return "partners" if self.request.method in permissions.SAFE_METHODS else "program"

    def get_permissions(self):
        permissions_ = super().get_permissions()
        if self.action in WRITES:
            permissions_.append(IsProgramOps())
        return permissions_

    def _present(self, tier, code=status.HTTP_200_OK) -> Response:
        tier = self.get_queryset().get(pk=tier.pk)  # with its requirements, as the reads show it
        return Response(s.TierOutputSerializer(tier).data, status=code)

    def create(self, request):
        data = dict(self.validated_input(ps.TierInputSerializer))
        rows = ps.requirement_rows(data.pop("requirements", []))
        tier = services.save_tier(actor=request.user, requirements=rows, **data)
        return self._present(tier, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a tier (program ops); fields sent change",
        description=(
            "`requirements`, when sent, replaces the tier's whole list. Partners keep their "
            "tier: the next tier review measures them against the new requirements."
        ),
        request=ps.TierUpdateSerializer,
        responses={200: s.TierOutputSerializer, **_errors(400, 403, 404)},
    )
    def partial_update(self, request, pk=None):
        tier = self.get_object()
        data = dict(self.validated_input(ps.TierUpdateSerializer))
        sent = data.pop("requirements", None)
        rows = None if sent is None else ps.requirement_rows(sent)
        tier = services.save_tier(actor=request.user, tier=tier, requirements=rows, **data)
        return self._present(tier)

    @extend_schema(
        summary="Remove a tier nobody holds or held (program ops)",
        responses={204: None, **_errors(400, 403, 404)},
    )
    def destroy(self, request, pk=None):
        services.delete_tier(actor=request.user, tier=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProgramConfigViewSet(ListMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    """Read by the program's staff; written by program ops. The writes sit in a class listed
    after ``IdempotentCreateMixin``, so that it wraps their ``create``."""

    api_area = "program"
    permission_classes = [*ServiceViewSet.permission_classes, IsInternalStaff]
    filter_backends: list = []

    def get_permissions(self):
        permissions_ = super().get_permissions()
        if self.action in WRITES:
            permissions_.append(IsProgramOps())
        return permissions_


class AgreementWrites:
    def create(self, request):
        data = self.validated_input(ps.AgreementInputSerializer)
        agreement = services.publish_agreement(actor=request.user, **data)
        return Response(ps.AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Versions of the program agreement, newest first (staff)"),
    retrieve=extend_schema(summary="One version of the program agreement"),
    create=AGREEMENT_CREATE_SCHEMA,
)
class AgreementViewSet(IdempotentCreateMixin, AgreementWrites, ProgramConfigViewSet):
    queryset = Agreement.objects.none()
    serializer_class = ps.AgreementSerializer

    def get_queryset(self):
        return Agreement.objects.order_by("-effective_at", "-id")


class ChannelTeamWrites:
    def create(self, request):
        data = self.validated_input(ps.ChannelTeamInputSerializer)
        team = services.save_channel_team(actor=request.user, **data)
        return Response(ps.ChannelTeamSerializer(team).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a channel team (program ops); fields sent change",
        request=ps.ChannelTeamUpdateSerializer,
        responses={200: ps.ChannelTeamSerializer, **_errors(400, 403, 404)},
    )
    def partial_update(self, request, pk=None):
        team = self.get_object()
        data = self.validated_input(ps.ChannelTeamUpdateSerializer)
        team = services.save_channel_team(actor=request.user, team=team, **data)
        return Response(ps.ChannelTeamSerializer(team).data)


@extend_schema_view(
    list=extend_schema(summary="Channel teams and the business models they serve (staff)"),
    retrieve=extend_schema(summary="One channel team"),
    create=TEAM_CREATE_SCHEMA,
)
class ChannelTeamViewSet(IdempotentCreateMixin, ChannelTeamWrites, ProgramConfigViewSet):
    queryset = ChannelTeam.objects.none()
    serializer_class = ps.ChannelTeamSerializer

    def get_queryset(self):
        return ChannelTeam.objects.select_related("lead").order_by("name", "id")
