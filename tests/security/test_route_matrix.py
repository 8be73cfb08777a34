"""Every route in the project, walked from the URL resolver: an anonymous visitor is refused
everywhere except on the pages that are public on purpose. A new route that forgets its login
check fails here without anyone having to remember to add a test."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Public on purpose: sign-in and recovery, the partner application form, invitation links,
# badge verification (the whole point is that anyone can check one), health, API docs and the
# favicon browsers ask for before signing in.
PUBLIC = [
    r"^/accounts/",
    r"^/partners/apply/",
    r"^/partners/invitations/",
    r"^/enablement/verify/",
    r"^/enablement/badges/",
    r"^/healthz$",
    r"^/favicon\.ico$",
    r"^/api/schema/",
    r"^/api/docs/",
    r"^/api/v1/applications/$",
    r"^/static/",
    r"^/media/",
]
SAMPLE_ARGS = {
    "int": "1",
    "str": "sample",
    "slug": "sample",
    "uuid": "00000000-0000-0000-0000-000000000001",
    "path": "sample",
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _concrete(route: str) -> str | None:
    """Turn ``deals/<int:pk>/`` into ``/deals/1/``; skip regex routes we cannot fill."""

    def fill(match):
        converter = match.group(1) or "str"
        return SAMPLE_ARGS.get(converter, "sample")

    path = re.sub(r"<(?:(\w+):)?\w+>", fill, route)
    if any(ch in path for ch in "^$()[]?*+\\"):
        return None
    return "/" + path


def _is_public(path: str) -> bool:
    return any(re.match(rule, path) for rule in PUBLIC)


def _routes(*, public: bool):
    seen = set()
    for route, _pattern in _walk(get_resolver().url_patterns):
        path = _concrete(route)
        if path is None or path in seen or path.startswith("/admin/"):
            continue
        seen.add(path)
        if _is_public(path) == public:
            yield pytest.param(path, id=path)


@pytest.mark.django_db
@pytest.mark.parametrize("path", list(_routes(public=False)))
def test_anonymous_visitors_are_refused_outside_public_pages(client, path):
    response = client.get(path)
    if path.startswith("/api/"):
        assert response.status_code in (401, 403), response.status_code
        assert "error" in response.json()
    else:
        if response.status_code == 405:  # a POST-only action: it must refuse a POST too
            response = client.post(path)
        assert response.status_code == 302, response.status_code
        assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", list(_routes(public=True)))
def test_public_pages_answer_anonymous_visitors(client, path):
    """Public pages answer without a login: the page itself, a redirect within the public area
    (e.g. sign-out to sign-in), a method refusal, or a 404 for a sample code that does not
    exist — never a bounce to the login page."""
    response = client.get(path)
    assert response.status_code in (200, 302, 404, 405), response.status_code
    if response.status_code == 302:
        assert _is_public(response["Location"].split("?")[0]), response["Location"]


@pytest.mark.django_db
def test_the_admin_requires_staff(client, acme_admin):
    client.force_login(acme_admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
