"""Program settings kept as one row (``prm.singleton.SingletonSettings``) under /api/v1/: GET
reads the row, PATCH changes the fields sent through the app's audited service. Program ops
only, with a key's ``program`` scope."""

from rest_framework import serializers
from rest_framework.response import Response

from partners.api.permissions import IsProgramOps

from .views import ServiceViewSet


class SingletonSettingsViewSet(ServiceViewSet):
    """Subclasses name the model, the serializer (every field optional) and the service call."""

    api_area = "program"
    permission_classes = [*ServiceViewSet.permission_classes, IsProgramOps]
    pagination_class = None
    filter_backends: list = []
    serializer_class: type[serializers.Serializer]

    def current(self):
        return self.queryset.model.current()

    def retrieve(self, request):
        return Response(self.serializer_class(self.guard(self.current())).data)

    def partial_update(self, request):
        current = self.guard(self.current())
        serializer = self.serializer_class(current, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changed = self.update_with_service(dict(serializer.validated_data)) or current
        return Response(self.serializer_class(changed).data)

    def update_with_service(self, values: dict):
        raise NotImplementedError(f"{type(self).__name__} must call its service here.")

    @classmethod
    def urlpattern_view(cls):
        """The view of the settings' one address: GET reads, PATCH changes."""
        return cls.as_view({"get": "retrieve", "patch": "partial_update"})
