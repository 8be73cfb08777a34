"""What a CRM needs to keep itself in step with the portal, for every list and record that has
an ``updated_at``:

- ``?updated_since=<ISO 8601 time>`` keeps the rows changed at or after that time;
- ``?pagination=cursor`` (then the ``next`` link's ``?cursor=``) pages in (``updated_at``, ``id``)
  order, so a walk sees every row that changed since it began exactly once per change, however
  rows are inserted or edited meanwhile: an edited row moves behind the cursor;
- single-record answers carry an ``ETag``; a write sent with ``If-Match`` (or
  ``If-Unmodified-Since``) that no longer matches is refused with 412 and changes nothing
  (``prm.api.views.ServiceViewSet`` applies these to every view set).
"""

import datetime as dt
import hashlib

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import parse_http_date_safe, quote_etag
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import CursorPagination

from prm.exceptions import PreconditionFailed

from .pagination import PagePagination

SYNC_FIELD = "updated_at"
UPDATED_SINCE = "updated_since"
CURSOR_MODE = "cursor"


def wants_precondition(request) -> bool:
    return "If-Match" in request.headers or "If-Unmodified-Since" in request.headers


def has_sync_field(model) -> bool:
    return any(field.name == SYNC_FIELD for field in model._meta.get_fields())


def _view_model(view):
    queryset = getattr(view, "queryset", None)
    return getattr(queryset, "model", None)


def parse_updated_since(value: str) -> dt.datetime:
    """An ISO 8601 time; one without an offset is taken as UTC. Anything else is a 400."""
    try:
        moment = parse_datetime(value.strip().replace(" ", "+"))
        if moment is not None:
            # Compared in UTC: the database need not accept every offset ISO 8601 allows.
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, dt.UTC)
            moment = moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise exceptions.ValidationError(
            {UPDATED_SINCE: [_("Give an ISO 8601 time, e.g. 2026-03-01T00:00:00Z.")]}
        )
    return moment


class UpdatedSinceFilter(BaseFilterBackend):
    """``?updated_since=``: rows changed at or after the time (inclusive, so that a row changed
    in the same instant as the previous sync's last row is never skipped)."""

    def filter_queryset(self, request, queryset, view):
        value = request.query_params.get(UPDATED_SINCE)
        if value is None or not has_sync_field(queryset.model):
            return queryset
        return queryset.filter(**{f"{SYNC_FIELD}__gte": parse_updated_since(value)})

    def get_schema_operation_parameters(self, view):
        model = _view_model(view)
        if model is None or not has_sync_field(model):
            return []
        return [
            {
                "name": UPDATED_SINCE,
                "required": False,
                "in": "query",
                "description": _(
                    "Only rows changed at or after this time (ISO 8601; UTC when no offset)."
                ),
                "schema": {"type": "string", "format": "date-time"},
            }
        ]


class SyncCursorPagination(CursorPagination):
    """Stable pages in change order for incremental sync; no counts (a count is a full scan)."""

    ordering = (SYNC_FIELD, "id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_ordering(self, request, queryset, view):
        # Always change order, whatever ``?ordering=`` asks: the cursor encodes a position in it.
        return self.ordering


class SyncPagination(PagePagination):
    """Page numbers by default (``?page=``); cursor pages when the caller asks for them with
    ``?pagination=cursor`` or follows a ``?cursor=`` link, on lists of records that change."""

    cursor_query_param = "cursor"
    mode_query_param = "pagination"

    def paginate_queryset(self, queryset, request, view=None):
        self._cursor = None
        mode = request.query_params.get(self.mode_query_param)
        if mode not in (None, "", "page", CURSOR_MODE):
            raise exceptions.ValidationError(
                {self.mode_query_param: [_("Use page (the default) or cursor.")]}
            )
        if mode == CURSOR_MODE or self.cursor_query_param in request.query_params:
            if not has_sync_field(queryset.model):
                raise exceptions.ValidationError(
                    {self.mode_query_param: [_("This list has no change order to page by.")]}
                )
            self._cursor = SyncCursorPagination()
            return self._cursor.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self._cursor is not None:
            return self._cursor.get_paginated_response(data)
        return super().get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        page = super().get_paginated_response_schema(schema)
        # ``count`` is absent from cursor pages.
        page["required"] = ["results"]
        for name in ("count", "count_accuracy"):
            description = page["properties"][name]["description"]
            page["properties"][name]["description"] = _("Page-number pages only. ") + description
        return page

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        model = _view_model(view)
        if model is None or not has_sync_field(model):
            return parameters
        return [
            *parameters,
            {
                "name": self.mode_query_param,
                "required": False,
                "in": "query",
                "description": _(
                    "cursor: pages in change order (updated_at, id) for incremental sync; "
                    "follow `next` until it is null."
                ),
                "schema": {"type": "string", "enum": ["page", CURSOR_MODE]},
            },
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": _("The position given in a cursor page's `next` link."),
                "schema": {"type": "string"},
            },
        ]


# --- ETags and preconditions ---------------------------------------------------------------------

IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "The `ETag` of the version you read: if the record changed since, the write is refused "
        "with 412 and nothing changes."
    ),
)
IF_UNMODIFIED_SINCE_PARAMETER = OpenApiParameter(
    "If-Unmodified-Since",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="An HTTP date: refused with 412 if the record changed after it.",
)
PRECONDITION_PARAMETERS = [IF_MATCH_PARAMETER, IF_UNMODIFIED_SINCE_PARAMETER]


def etag_for(instance) -> str:
    """A strong validator of one record's version: its type, id and last change time."""
    stamp = getattr(instance, SYNC_FIELD)
    raw = f"{instance._meta.label_lower}:{instance.pk}:{stamp.isoformat()}"
    return quote_etag(hashlib.sha256(raw.encode()).hexdigest()[:32])


def check_preconditions(request, instance) -> None:
    """Refuse (412) a write whose ``If-Match`` / ``If-Unmodified-Since`` no longer holds.

    Call it on the row as locked by the service's transaction, or on a fresh read right before
    the service call: the service then applies the change or raises, nothing half-written.
    """
    if_match = request.headers.get("If-Match")
    if if_match is not None:
        tags = {tag.strip() for tag in if_match.split(",")}
        current = etag_for(instance)
        # Weak comparison of the tags a client may have kept with a W/ prefix from a proxy.
        if "*" not in tags and current not in {t.removeprefix("W/") for t in tags}:
            raise PreconditionFailed(details={"etag": current})
    since = request.headers.get("If-Unmodified-Since")
    if since is not None and if_match is None:
        limit = parse_http_date_safe(since)
        changed = getattr(instance, SYNC_FIELD)
        if limit is not None and int(changed.timestamp()) > limit:
            raise PreconditionFailed(details={"etag": etag_for(instance)})
