from rest_framework import viewsets


class ServiceViewSet(viewsets.GenericViewSet):
    """Base of every API view set: explicit input serializers, and writes handed to services.

    Subclasses name their scope area in ``api_area`` (see ``HasApiScope``) and read through
    their app's scoped selectors in ``get_queryset``.
    """

    api_area: str | None = None

    def validated_input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
