from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.utils.http import url_has_allowed_host_and_scheme

from ..ops_selectors import require_ops

PAGE_SIZE = 50


def ops_required(view):
    """Signed in (else the sign-in page) and program ops (else 404)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        require_ops(request.user)
        return view(request, *args, **kwargs)

    return wrapped


def page_of(request, queryset, size: int = PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def safe_next(request, default: str) -> str:
    """Where to return to: the form's or link's ``next`` when it points into this site, else
    ``default``."""
    back = request.POST.get("next") or request.GET.get("next") or ""
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return default
