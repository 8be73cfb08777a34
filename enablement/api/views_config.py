"""Enablement configuration of the Program area under /api/v1/: certification writes (on the
certification endpoint every caller reads), onboarding checklists and the enablement settings.
Program ops only; each write is the portal's service (``catalogue``, ``programs.checklists``,
``services.update_enablement_settings``), which refuses with the portal's messages and writes
the audit row with the before and after."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from partners.api.permissions import IsInternalStaff, IsProgramOps
from prm.api.idempotency import IdempotentCreateMixin
from prm.api.schema import IDEMPOTENCY_PARAMETER, error_responses
from prm.api.singleton import SingletonSettingsViewSet
from prm.api.views import ListMixin, ServiceViewSet

from .. import catalogue, services
from ..models import EnablementSettings, OnboardingTemplate
from ..programs import checklists
from . import serializers as s
from . import serializers_config as cs

_errors = error_responses
WRITES = {"create", "partial_update", "destroy"}


# The creates' schemas sit on the view sets (``extend_schema_view``): ``IdempotentCreateMixin``
# wraps ``create``, so an annotation on the method below it would not be seen.
CERTIFICATION_CREATE_SCHEMA = extend_schema(
    summary="Add a certification to the catalogue (program ops)",
    request=cs.CertificationInputSerializer,
    responses={201: s.CertificationSerializer, **_errors(400, 403, 409)},
    parameters=[IDEMPOTENCY_PARAMETER],
)

CHECKLIST_CREATE_SCHEMA = extend_schema(
    summary="Add an onboarding checklist (program ops)",
    request=cs.OnboardingChecklistInputSerializer,
    responses={201: cs.OnboardingChecklistSerializer, **_errors(400, 403, 409)},
    parameters=[IDEMPOTENCY_PARAMETER],
)


class OpsWritesMixin:
    def get_permissions(self):
        permissions = super().get_permissions()
        if self.action in WRITES:
            permissions.append(IsProgramOps())
        return permissions


class CertificationConfigMixin(OpsWritesMixin):
    """The writes of ``CertificationViewSet``, in the ``enablement`` scope like the rest of the
    learning catalogue (tracks and courses)."""

    def _present(self, certification, code=status.HTTP_200_OK) -> Response:
        certification = self.get_queryset().get(pk=certification.pk)
        return Response(s.CertificationSerializer(certification).data, status=code)

    def create(self, request):
        data = self.validated_input(cs.CertificationInputSerializer)
        certification = catalogue.create_certification(actor=request.user, **data)
        return self._present(certification, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a certification (program ops); fields sent change",
        description="People who hold it keep the expiry dates they were given.",
        request=cs.CertificationUpdateSerializer,
        responses={200: s.CertificationSerializer, **_errors(400, 403, 404, 409)},
    )
    def partial_update(self, request, pk=None):
        certification = self.get_object()
        data = self.validated_input(cs.CertificationUpdateSerializer)
        certification = catalogue.update_certification(
            actor=request.user, certification=certification, **data
        )
        return self._present(certification)


class OnboardingChecklistWrites(OpsWritesMixin):
    """The writes of ``OnboardingChecklistViewSet`` (listed after ``IdempotentCreateMixin``)."""

    def _present(self, template, code=status.HTTP_200_OK) -> Response:
        template = self.get_queryset().get(pk=template.pk)
        return Response(cs.OnboardingChecklistSerializer(template).data, status=code)

    def create(self, request):
        data = dict(self.validated_input(cs.OnboardingChecklistInputSerializer))
        steps = cs.step_rows(data.pop("steps"))
        template = checklists.save_onboarding_template(actor=request.user, steps=steps, **data)
        return self._present(template, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an onboarding checklist (program ops); fields sent change",
        description=(
            "`steps`, when sent, replaces the list: steps sent with their `id` keep the checks "
            "partners made; a step left out loses them. Partners already onboarding keep "
            "their checklist."
        ),
        request=cs.OnboardingChecklistUpdateSerializer,
        responses={200: cs.OnboardingChecklistSerializer, **_errors(400, 403, 404)},
    )
    def partial_update(self, request, pk=None):
        template = self.get_object()
        data = dict(self.validated_input(cs.OnboardingChecklistUpdateSerializer))
        sent = data.pop("steps", None)
        steps = None if sent is None else cs.step_rows(sent)
        template = checklists.save_onboarding_template(
            actor=request.user, template=template, steps=steps, **data
        )
        return self._present(template)

    @extend_schema(
        summary="Remove an onboarding checklist no partner is onboarding with (program ops)",
        responses={204: None, **_errors(400, 403, 404)},
    )
    def destroy(self, request, pk=None):
        checklists.delete_onboarding_template(actor=request.user, template=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Onboarding checklists, one per business model (staff)"),
    retrieve=extend_schema(summary="One onboarding checklist with its steps"),
    create=CHECKLIST_CREATE_SCHEMA,
)
class OnboardingChecklistViewSet(
    IdempotentCreateMixin,
    OnboardingChecklistWrites,
    ListMixin,
    mixins.RetrieveModelMixin,
    ServiceViewSet,
):
    api_area = "program"
    permission_classes = [*ServiceViewSet.permission_classes, IsInternalStaff]
    queryset = OnboardingTemplate.objects.none()
    serializer_class = cs.OnboardingChecklistSerializer
    filter_backends: list = []

    def get_queryset(self):
        return OnboardingTemplate.objects.prefetch_related("steps").order_by(
            "business_model", "name", "id"
        )


class EnablementSettingsViewSet(SingletonSettingsViewSet):
    queryset = EnablementSettings.objects.none()
    serializer_class = cs.EnablementSettingsSerializer

    @extend_schema(
        summary="The enablement settings (program ops)",
        responses={200: cs.EnablementSettingsSerializer},
    )
    def retrieve(self, request):
        return super().retrieve(request)

    @extend_schema(
        summary="Change the enablement settings (program ops); audited",
        description=(
            "The expiry warning must be shorter than the shortest certification validity, or "
            "it would warn the day a certification is earned."
        ),
        request=cs.EnablementSettingsSerializer,
        responses={200: cs.EnablementSettingsSerializer, **_errors(400, 403)},
    )
    def partial_update(self, request):
        return super().partial_update(request)

    def update_with_service(self, values: dict):
        if "expiry_warning_days" not in values:
            return None  # nothing sent, nothing changes
        return services.update_enablement_settings(actor=self.request.user, **values)
