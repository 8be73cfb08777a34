"""OpenAPI pieces every app's API shares: the API key scheme, the one error shape, the
``Idempotency-Key`` header and named enums. drf-spectacular registers the authentication
extension when this module is imported (``prm.api.urls`` … via each app's API views)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type
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


# --- The schema generator every view uses (``DEFAULT_SCHEMA_CLASS``) -----------------------------

INTEGER_ID_PATTERN = "^[0-9]+$"
ERROR_DESCRIPTIONS = {
    "400": "The request is not valid (field errors in `details`).",
    "401": "No credentials, or credentials that are not valid.",
    "403": "The caller may not do this (missing scope, role or partner).",
    "404": "No such object in the caller's scope, or no such page.",
    "409": "The request conflicts with the object's current state.",
    "412": "The record changed since the version named in `If-Match` / `If-Unmodified-Since`.",
    "429": "Too many requests; retry after the time in `Retry-After`.",
}


PRECONDITION_HEADERS = {
    "If-Match": "The `ETag` of the version you read: if the record changed since, the write is "
    "refused with 412 and nothing changes.",
    "If-Unmodified-Since": "An HTTP date: the write is refused with 412 if the record changed "
    "after it.",
}


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's generator plus what every operation of this API has in common, so the
    schema states what the API answers without each view repeating it:

    - integer ids in paths (``ServiceViewSet.lookup_value_regex``) are integers;
    - every error answer the operation can give is documented, in the one error shape: 400 when
      it takes a body or query parameters, 401/403 when it needs credentials, 404 when it looks
      an object up or pages a list, 409 for writes (domain rules), 429 when it is throttled;
    - URL and email fields that may be empty carry no ``format`` (an empty string is not a URL).
    """

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            if parameter["schema"].get("pattern") == INTEGER_ID_PATTERN:
                parameter["schema"] = build_basic_type(OpenApiTypes.INT)
        return parameters

    def _map_basic_serializer(self, serializer, direction):
        # Remembered for ``_insert_field_validators``, which is not told the direction.
        self._mapping_direction = direction
        return super()._map_basic_serializer(serializer, direction)

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        # Stored URLs and emails are often optional: answers carry "" where none was given.
        if getattr(self, "_mapping_direction", None) == "response" and schema.get("format") in {
            "uri",
            "email",
        }:
            del schema["format"]

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        self._add_precondition_headers(operation)
        responses = operation["responses"]
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        for code in self._error_codes(operation):
            responses.setdefault(
                code,
                {
                    "content": {"application/json": {"schema": error}},
                    "description": ERROR_DESCRIPTIONS[code],
                },
            )
        return operation

    def _add_precondition_headers(self, operation) -> None:
        """Writes to one record that has an ``updated_at`` honour ``If-Match`` and
        ``If-Unmodified-Since`` (``ServiceViewSet.guard``); say so where a view did not."""
        from .sync import has_sync_field
        from .views import ServiceViewSet

        parameters = operation.setdefault("parameters", [])
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        if (
            self.method in {"GET", "HEAD", "OPTIONS"}
            or not isinstance(self.view, ServiceViewSet)
            or model is None
            or not has_sync_field(model)
            or not any(p["in"] == "path" for p in parameters)
        ):
            return
        present = {p["name"] for p in parameters if p["in"] == "header"}
        for name, description in PRECONDITION_HEADERS.items():
            if name not in present:
                parameters.append(
                    {
                        "in": "header",
                        "name": name,
                        "schema": {"type": "string"},
                        "description": description,
                    }
                )

    def _error_codes(self, operation) -> list[str]:
        parameters = operation.get("parameters", [])
        codes = []
        if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
            codes.append("400")
        if {} not in operation.get("security", [{}]):
            codes += ["401", "403"]
        if any(p["in"] == "path" for p in parameters) or self._is_paginated():
            codes.append("404")
        if self.method not in {"GET", "HEAD", "OPTIONS"}:
            codes.append("409")
            if any(p["in"] == "header" and p["name"] == "If-Match" for p in parameters):
                codes.append("412")
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def _is_paginated(self) -> bool:
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None
