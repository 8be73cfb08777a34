from rest_framework import serializers, status, viewsets
from rest_framework.response import Response


class ServiceViewSet(viewsets.GenericViewSet):
    """Base of every API view set: explicit input serializers, and writes handed to services.

    Subclasses name their scope area in ``api_area`` (see ``HasApiScope``) and read through
    their app's scoped selectors in ``get_queryset``.
    """

    api_area: str | None = None
    # Ids are integers: anything else does not resolve, so it is a 404 (in the API's error
    # shape, see ``prm.api.errors.page_not_found``) before any view code sees it. View sets that
    # look up by another key (a CRM id) set their own pattern.
    lookup_value_regex = "[0-9]+"

    def validated_input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class ServiceCreateMixin:
    """``create``: validate ``input_serializer_class``, make one service call in
    ``perform_service_create``, answer 201 with ``output_serializer_class``. Views with a
    different answer override ``create_with_service``. Kept apart from the view set so that
    ``IdempotentCreateMixin``, placed before it, wraps the whole create."""

    input_serializer_class: type[serializers.Serializer] = serializers.Serializer
    output_serializer_class: type[serializers.Serializer] = serializers.Serializer

    def create(self, request, *args, **kwargs):
        return self.create_with_service(request)

    def create_with_service(self, request) -> Response:
        data = self.validated_input(self.input_serializer_class)
        instance = self.perform_service_create(data)
        output = self.output_serializer_class(instance, context=self.get_serializer_context())
        return Response(output.data, status=status.HTTP_201_CREATED)

    def perform_service_create(self, data: dict):
        raise NotImplementedError(f"{type(self).__name__} must call its service here.")
