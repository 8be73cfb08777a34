"""OpenAPI details: the API key authentication scheme (registered when ``partners.api.urls``
imports this module) and named enums."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


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


def choice_field(component_name: str, choices) -> type[serializers.ChoiceField]:
    """A ``ChoiceField`` documented as one named enum component wherever it is used.

    The schema generator names enums after the field (``status``); partners and applications
    both have a ``status`` with different choices, so each choice set gets its own name here.
    """

    @extend_schema_field(serializers.ChoiceField(choices=choices.choices), component_name)
    class NamedChoiceField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices.choices, **kwargs)

    NamedChoiceField.__name__ = NamedChoiceField.__qualname__ = f"{component_name}Field"
    return NamedChoiceField
