from functools import partial

from django.db import transaction
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response

from prm.exceptions import PreconditionFailed

from .rows import row_plan
from .sync import (
    SyncCursorPagination,
    check_preconditions,
    etag_for,
    has_sync_field,
    wants_precondition,
)


class ServiceViewSet(viewsets.GenericViewSet):
    """Base of every API view set: explicit input serializers, and writes handed to services.

    Subclasses name their scope area in ``api_area`` (see ``HasApiScope``) and read through
    their app's scoped selectors in ``get_queryset``.

    Records with an ``updated_at`` get optimistic concurrency here, once for every view set:
    an object answer carries the record's ``ETag``, and a write sent with ``If-Match`` or
    ``If-Unmodified-Since`` runs in one transaction that locks the row, checks the condition
    (412 when it no longer holds) and rolls everything back if the write is refused.
    """

    api_area: str | None = None
    # Ids are integers: anything else does not resolve, so it is a 404 (in the API's error
    # shape, see ``prm.api.errors.page_not_found``) before any view code sees it. View sets that
    # look up by another key (a CRM id) set their own pattern.
    lookup_value_regex = "[0-9]+"
    _etag_instance = None

    def validated_input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def dispatch(self, request, *args, **kwargs):
        if request.method in permissions.SAFE_METHODS or not wants_precondition(request):
            return super().dispatch(request, *args, **kwargs)
        # The row lock taken in ``get_object`` is held until the service has written, so no
        # other write can slip between the check and the change.
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
            return response

    def get_object(self):
        return self.guard(super().get_object())

    def guard(self, instance):
        """Check a write's preconditions on ``instance`` (locked until the write is done) and
        remember it for the answer's ``ETag``. ``None`` is a record that does not exist yet: a
        conditional write to it is refused, since there is no version it could match."""
        write = self.request.method not in permissions.SAFE_METHODS
        if instance is None:
            if write and wants_precondition(self.request):
                raise PreconditionFailed()
            return None
        if not has_sync_field(type(instance)):
            return instance
        if write and wants_precondition(self.request):
            instance = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
            check_preconditions(self.request, instance)
        self._etag_instance = instance
        return instance

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        instance = self._etag_instance
        if instance is not None and 200 <= response.status_code < 300:
            if request.method not in permissions.SAFE_METHODS:
                # The write changed the row: answer with the version it left.
                instance = type(instance)._default_manager.filter(pk=instance.pk).first()
            if instance is not None:
                response["ETag"] = etag_for(instance)
        return response


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


class ListMixin(mixins.ListModelMixin):
    """``list``, with each page read as rows of values when the output serializer allows it
    (``prm.api.rows``): the same answer without a model instance and a serializer per row."""

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        plan = row_plan(self.get_serializer_class())
        if plan is not None and plan.applies_to(queryset):
            # A cursor page reads its position from the last row's ordering columns.
            extra = [n for n in SyncCursorPagination.ordering if has_sync_field(queryset.model)]
            queryset = plan.queryset(queryset, extra=extra)
            write = partial(plan.represent, db=queryset.db)
        else:
            write = partial(_serialized, self)
        page = self.paginate_queryset(queryset)
        if page is None:
            return Response(write(queryset))
        return self.get_paginated_response(write(page))


def _serialized(view, rows):
    return view.get_serializer(rows, many=True).data
