"""``/api/v1/deal-settings/``: the program-wide deal rules (one record), read and changed by
program ops through the Program area's service (``deals.services.update_program_settings``)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from deals.models import DealProgramSettings
from deals.services import update_program_settings
from deals.services.program_settings import EDITABLE_SETTINGS
from prm.api.schema import error_responses
from prm.api.singleton import SingletonSettingsViewSet


class DealSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = DealProgramSettings
        fields = sorted(EDITABLE_SETTINGS)
        extra_kwargs = {name: {"required": False} for name in EDITABLE_SETTINGS}


class DealSettingsViewSet(SingletonSettingsViewSet):
    """The deal rules are the same for every tier; registrations already protected keep the
    dates they were given."""

    queryset = DealProgramSettings.objects.none()
    serializer_class = DealSettingsSerializer

    @extend_schema(summary="The deal rules (program ops)", responses={200: DealSettingsSerializer})
    def retrieve(self, request):
        return super().retrieve(request)

    @extend_schema(
        summary="Change the deal rules (program ops); fields sent change, audited",
        description=(
            "Combinations that cannot work together (a reminder after the protection window "
            "ends, extensions without a protection window, …) are a 400 with the portal's "
            "message on the field to change. They apply from the next decision on."
        ),
        request=DealSettingsSerializer,
        responses={200: DealSettingsSerializer, **error_responses(400, 403)},
    )
    def partial_update(self, request):
        return super().partial_update(request)

    def update_with_service(self, values: dict):
        return update_program_settings(actor=self.request.user, **values)
