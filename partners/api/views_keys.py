"""``/api/v1/api-keys/``: the keys a person manages (program ops: all; a partner admin: their
organisation's), and for an integration its own key, which it may rotate. Issuing and revoking
keys is for people; a key never mints another key except its own successor."""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from partners import api_keys
from prm.api.schema import IDEMPOTENCY_PARAMETER, error_responses
from prm.api.views import ListMixin, ServiceViewSet
from prm.models import ApiKey

from . import serializers_keys as s

_errors = error_responses
SELF_SERVICE_ACTIONS = {"list", "retrieve", "rotate"}


class CanManageKeys(permissions.BasePermission):
    """People who manage keys, for everything; an API key, for reading and rotating itself."""

    message = "You may not manage API keys."

    def has_permission(self, request, view):
        user = request.user
        if user.is_service_account:
            return isinstance(request.auth, ApiKey) and view.action in SELF_SERVICE_ACTIONS
        return api_keys.may_manage_api_keys(user)


@extend_schema_view(
    list=extend_schema(summary="API keys you manage (an API key: itself and its successor)"),
    retrieve=extend_schema(summary="One API key"),
)
class ApiKeyViewSet(ListMixin, mixins.RetrieveModelMixin, ServiceViewSet):
    # No scope area: managing keys is not data access; ``CanManageKeys`` decides.
    queryset = ApiKey.objects.none()
    serializer_class = s.ApiKeyOutputSerializer
    permission_classes = [permissions.IsAuthenticated, CanManageKeys]
    filterset_class = None
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]
    search_fields = ["name", "prefix"]

    def get_queryset(self):
        user = self.request.user
        if user.is_service_account:
            return api_keys.api_keys_visible_to_key(user)
        return api_keys.api_keys_visible_to(user)

    def _present(self, key: ApiKey, plaintext: str | None = None, code=status.HTTP_200_OK):
        key = api_keys.api_keys_annotated().get(pk=key.pk)
        data = dict(s.ApiKeyOutputSerializer(key).data)
        if plaintext is not None:
            data["key"] = plaintext  # shown in this answer only
        return Response(data, status=code)

    @extend_schema(
        summary="Issue a key (program ops; a partner admin for their organisation)",
        request=s.ApiKeyIssueInputSerializer,
        responses={201: s.IssuedApiKeySerializer, **_errors(400, 403)},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def create(self, request):
        data = self.validated_input(s.ApiKeyIssueInputSerializer)
        with transaction.atomic():  # the key and its limit, or neither
            key, plaintext = api_keys.issue_api_key(
                name=data["name"],
                scopes=data["scopes"],
                partner=data.get("partner"),
                actor=request.user,
            )
            if data.get("rate_limit"):
                key = api_keys.set_api_key_rate_limit(
                    key=key, actor=request.user, rate_limit=data["rate_limit"]
                )
        return self._issued(key, plaintext)

    def _issued(self, key: ApiKey, plaintext: str) -> Response:
        return self._present(key, plaintext, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Rotate: a new key now, the old one keeps working for the overlap",
        request=s.ApiKeyRotateInputSerializer,
        responses={201: s.IssuedApiKeySerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def rotate(self, request, pk=None):
        data = self.validated_input(s.ApiKeyRotateInputSerializer)
        key, plaintext = api_keys.rotate_api_key(
            key=self.get_object(), actor=request.user, overlap_hours=data["overlap_hours"]
        )
        return self._issued(key, plaintext)

    @extend_schema(
        summary="Revoke a key at once",
        request=None,
        responses={200: s.ApiKeyOutputSerializer, **_errors(403, 404)},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        key = api_keys.revoke_api_key(key=self.get_object(), actor=request.user)
        return self._present(key)

    @extend_schema(
        summary="Set a key's requests per minute (program ops); null is the default",
        request=s.ApiKeyRateLimitInputSerializer,
        responses={200: s.ApiKeyOutputSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="rate-limit")
    def rate_limit(self, request, pk=None):
        data = self.validated_input(s.ApiKeyRateLimitInputSerializer)
        key = api_keys.set_api_key_rate_limit(
            key=self.get_object(), actor=request.user, rate_limit=data["rate_limit"]
        )
        return self._present(key)
