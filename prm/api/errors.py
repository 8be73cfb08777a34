"""One JSON error shape for the whole API:

{"error": {"code": "invalid_transition", "message": "…", "details": {...}}}
"""

import sys

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from prm.exceptions import DomainError


def error_body(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        details = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(
            error_body("invalid", "The request is not valid.", details),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        details = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        response.data = error_body("invalid", "The request is not valid.", details)
    else:
        detail = getattr(exc, "detail", str(exc))
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = error_body(str(code), str(detail))
    return response


API_PATH_PREFIX = "/api/"


def page_not_found(request, exception):
    """``handler404``: paths under /api/ that resolve to no view answer in the API's shape."""
    if request.path.startswith(API_PATH_PREFIX):
        return JsonResponse(
            error_body("not_found", "No API endpoint or object at this address."), status=404
        )
    return defaults.page_not_found(request, exception)


def server_error(request):
    """``handler500``: an unexpected error under /api/ still answers in the API's shape.

    A lost database connection (restart, failover, a terminated backend) is not a bug in the
    request: it answers 503 with ``Retry-After`` and says so. Django closes the broken
    connection when the request ends and the next request opens a new one."""
    if isinstance(sys.exc_info()[1], DB_UNAVAILABLE):
        return database_unavailable(request)
    if request.path.startswith(API_PATH_PREFIX):
        return JsonResponse(
            error_body("server_error", "The server could not complete this request."), status=500
        )
    return defaults.server_error(request)


DB_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def database_unavailable(request) -> HttpResponse:
    if request.path.startswith(API_PATH_PREFIX):
        response: HttpResponse = JsonResponse(
            error_body(
                "database_unavailable",
                "The database did not answer; check whether the change was made and try "
                "again in a moment.",
            ),
            status=503,
        )
    else:
        # Rendered without a request context, like the 500 page: nothing that needs the database.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
