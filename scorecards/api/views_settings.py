"""The tier review's policy through the API (program ops): the portal's
``program:review_settings`` page."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from prm.api.schema import error_responses
from prm.api.singleton import SingletonSettingsViewSet

from ..models import TierReviewSettings
from ..review import services


class TierReviewSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = TierReviewSettings
        fields = list(services.SETTING_FIELDS)
        extra_kwargs = {name: {"required": False} for name in services.SETTING_FIELDS}


class TierReviewSettingsViewSet(SingletonSettingsViewSet):
    queryset = TierReviewSettings.objects.none()
    serializer_class = TierReviewSettingsSerializer

    @extend_schema(
        summary="The tier review policy (program ops)",
        responses={200: TierReviewSettingsSerializer},
    )
    def retrieve(self, request):
        return super().retrieve(request)

    @extend_schema(
        summary="Change the tier review policy (program ops); audited",
        description=(
            "Weights of each kind of criterion, the weighted share a partner must meet to "
            "qualify for a tier, whether every certification criterion is required, the reviews "
            "below requirements before a demotion is proposed, and whether promotions apply "
            "without approval (demotions always wait). The next review applies the change."
        ),
        request=TierReviewSettingsSerializer,
        responses={200: TierReviewSettingsSerializer, **error_responses(400, 403)},
    )
    def partial_update(self, request):
        return super().partial_update(request)

    def update_with_service(self, values: dict):
        if not values:
            return None  # nothing sent, nothing changes
        return services.update_review_settings(actor=self.request.user, **values)
