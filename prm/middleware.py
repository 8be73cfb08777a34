import contextvars
import re
import uuid

from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext
from django_htmx.http import HttpResponseClientRedirect

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    """Tags each request with an id (the caller's ``X-Request-ID`` when it is sane) so audit rows
    and logs from one request can be tied together."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _SAFE.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request.id
        return response


class MfaRequiredMiddleware:
    """Sends a signed-in user who must use MFA (see ``prm.accounts.mfa_required_for``) and has
    no authenticator yet to enrolment, before any page that needs their role.

    The account pages (sign-out, MFA enrolment, password), static files, the health check and
    the API documentation stay reachable. API-key requests carry no session user and are not
    affected; a session request to the API answers 403 in the API's error shape.
    """

    OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz", "/api/docs/", "/api/schema/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .accounts import must_enrol_mfa

        if request.path.startswith(self.OPEN_PREFIXES) or not must_enrol_mfa(request.user):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            from .api.errors import error_body

            return JsonResponse(
                error_body("mfa_required", gettext("Set up two-factor authentication first.")),
                status=403,
            )
        if request.headers.get("HX-Request") == "true":
            # A fragment request would swap the enrolment page into part of the page.
            return HttpResponseClientRedirect(reverse("mfa_activate_totp"))
        return redirect_to_login(request.get_full_path(), reverse("mfa_activate_totp"), "next")
