"""OpenAPI pieces every app's API shares: the API key scheme, the one error shape, the
``Idempotency-Key`` header and named enums. drf-spectacular registers the authentication
extension when this module is imported (``prm.api.urls`` … via each app's API views)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

from .idempotency import HEADER as IDEMPOTENCY_HEADER


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "prm.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Api-Key prm_<prefix>.<secret>`. A key reads and writes only within its scopes "
                "(`<area>:read`, `<area>:write`) and, when bound to a partner, only that "
                "partner's data."
            ),
        }


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Stable, machine-readable, e.g. invalid_transition."))
    message = serializers.CharField()
    details = serializers.DictField(help_text=_("Field errors, or facts about the refusal."))


class ErrorSerializer(serializers.Serializer):
    """Documentation only: every error answer has this shape (see ``prm.api.errors``)."""

    error = ErrorDetailSerializer()


def error_responses(*codes: int) -> dict:
    """Documented error answers for ``extend_schema(responses=…)``."""
    return dict.fromkeys(codes, ErrorSerializer)


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Repeat a request safely: the same key and body replay the first answer (with header "
        "`Idempotent-Replayed: true`); the same key with another body is a 409. Keys belong to "
        "the authenticated caller."
    ),
)


def named_choice_field(component_name: str, choices) -> type[serializers.ChoiceField]:
    """A ``ChoiceField`` documented as one named enum component wherever it is used.

    The schema generator names enums after the field (``status``); several models have a
    ``status`` with different choices, so each choice set gets its own name here.
    """

    @extend_schema_field(serializers.ChoiceField(choices=choices.choices), component_name)
    class NamedChoiceField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices.choices, **kwargs)

    NamedChoiceField.__name__ = NamedChoiceField.__qualname__ = f"{component_name}Field"
    return NamedChoiceField
