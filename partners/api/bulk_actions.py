"""Moving many partners to another channel account manager in the API, as the partner list's
bulk action does: partner by partner through the same service (``reassign_channel_managers``),
one refusal leaving nothing of that partner behind and not stopping the others."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from prm.api.bulk import BulkActionResultSerializer, bulk_ids, bulk_response, unique_ids
from prm.api.schema import error_responses
from prm.api.views import ServiceViewSet

from ..assignment import reassign_channel_managers
from ..selectors import channel_managers
from .permissions import IsProgramOps


class BulkReassignInputSerializer(serializers.Serializer):
    channel_manager = serializers.PrimaryKeyRelatedField(
        queryset=channel_managers(), help_text="User id of an active channel account manager."
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    partners = bulk_ids("Partner ids.")


class PartnerBulkMixin:
    @extend_schema(
        summary="Reassign several partners to another channel account manager (program ops): "
        "a result per partner",
        request=BulkReassignInputSerializer,
        responses={200: BulkActionResultSerializer, **error_responses(400, 403)},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-reassign",
        permission_classes=[*ServiceViewSet.permission_classes, IsProgramOps],
    )
    def bulk_reassign(self, request):
        data = self.validated_input(BulkReassignInputSerializer)
        result = reassign_channel_managers(
            actor=request.user,
            ids=unique_ids(data["partners"]),
            channel_manager=data["channel_manager"],
            reason=data.get("reason", ""),
        )
        return bulk_response(result)
