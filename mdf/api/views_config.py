"""The MDF configuration integrations need, as in the portal's program pages: the activity menu
(add, edit, withdraw or offer again) and the program settings. Program ops only; each write is
the portal's service (``create_activity_type``, ``update_activity_type``, ``update_settings``)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from mdf.funds import services as fund_services
from mdf.funds.services import SETTINGS_FIELDS
from mdf.models import ActivityType, MdfSettings
from mdf.requests import services as request_services
from partners.api.permissions import IsProgramOps
from prm.api.schema import error_responses
from prm.api.singleton import SingletonSettingsViewSet
from prm.api.sync import PRECONDITION_PARAMETERS
from prm.money import AmountSerializerField

from . import serializers as s

_errors = error_responses


class ActivityTypeInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    category = s.ActivityCategoryField()
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    max_vendor_share = AmountSerializerField(help_text="Percent the vendor pays at most, 0-100.")
    required_proof = serializers.ListField(child=s.ProofKindField(), max_length=20)
    business_models = serializers.ListField(
        child=s.BusinessModelField(), required=False, max_length=20
    )
    is_active = serializers.BooleanField(required=False, default=True)
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False, default=0)


class ActivityTypeUpdateSerializer(ActivityTypeInputSerializer):
    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class ActivityTypeConfigMixin:
    """Writes of the activity menu (program ops)."""

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.action in {"create", "partial_update", "toggle"}:
            permissions.append(IsProgramOps())
        return permissions

    def _present(self, activity: ActivityType, code=200) -> Response:
        return Response(s.ActivityTypeOutputSerializer(activity).data, status=code)

    @extend_schema(
        summary="Add an activity to the MDF menu (program ops)",
        request=ActivityTypeInputSerializer,
        responses={201: s.ActivityTypeOutputSerializer, **_errors(400, 403)},
    )
    def create(self, request):
        data = self.validated_input(ActivityTypeInputSerializer)
        activity = request_services.create_activity_type(actor=request.user, **data)
        return self._present(activity, 201)

    @extend_schema(
        summary="Change an activity of the menu (program ops); fields sent change",
        request=ActivityTypeUpdateSerializer,
        responses={200: s.ActivityTypeOutputSerializer, **_errors(400, 403, 404)},
    )
    def partial_update(self, request, pk=None):
        activity = self.get_object()
        serializer = ActivityTypeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Only what was sent: the partial serializer's defaults must not reset other fields.
        data = {k: v for k, v in serializer.validated_data.items() if k in request.data}
        activity = request_services.update_activity_type(
            actor=request.user, activity_type=activity, **data
        )
        return self._present(activity)

    @extend_schema(
        summary="Withdraw an activity from the menu, or offer it again (program ops)",
        request=None,
        responses={200: s.ActivityTypeOutputSerializer, **_errors(403, 404)},
    )
    @action(detail=True, methods=["post"])
    def toggle(self, request, pk=None):
        activity = self.get_object()
        activity = request_services.update_activity_type(
            actor=request.user, activity_type=activity, is_active=not activity.is_active
        )
        return self._present(activity)


class MdfSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = MdfSettings
        fields = [*SETTINGS_FIELDS, "updated_at"]
        read_only_fields = ["updated_at"]
        extra_kwargs = {name: {"required": False} for name in SETTINGS_FIELDS}


class MdfSettingsViewSet(SingletonSettingsViewSet):
    """The MDF program settings (one record; program ops): PUT changes the fields sent."""

    api_area = "mdf"
    queryset = MdfSettings.objects.none()
    serializer_class = MdfSettingsSerializer

    @extend_schema(summary="The MDF program settings", responses={200: MdfSettingsSerializer})
    def retrieve(self, request):
        return super().retrieve(request)

    @extend_schema(
        summary="Change the MDF program settings (fields sent change; audited)",
        request=MdfSettingsSerializer,
        parameters=PRECONDITION_PARAMETERS,
        responses={200: MdfSettingsSerializer, **_errors(400, 403, 412)},
    )
    def partial_update(self, request):
        return super().partial_update(request)

    def update_with_service(self, values: dict):
        return fund_services.update_settings(actor=self.request.user, **values)

    @classmethod
    def urlpattern_view(cls):
        return cls.as_view({"get": "retrieve", "put": "partial_update"})
