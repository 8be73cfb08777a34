"""On the demo program, every API list whose serializer has a row plan (``prm.api.rows``) gives
the same pages read as rows as read as model instances, for program ops and for a partner."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import URLResolver, get_resolver
from rest_framework.test import APIClient

from prm.api import views
from prm.api.rows import row_plan
from prm.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed_demo")]


def _list_routes(resolver=None, prefix=""):
    """(path, view set) of every API list route without a parameter in its path."""
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            yield from _list_routes(pattern, route)
            continue
        view_set = getattr(pattern.callback, "cls", None)
        actions = getattr(pattern.callback, "actions", None) or {}
        listed = view_set is not None and actions.get("get") == "list"
        if listed and route.startswith("api/") and "(?P<" not in route:
            yield "/" + route, view_set


PLANNED = sorted(
    {
        path
        for path, view_set in _list_routes()
        if issubclass(view_set, views.ListMixin)
        and getattr(view_set, "serializer_class", None) is not None
        and row_plan(view_set.serializer_class) is not None
    }
)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def test_many_lists_have_a_plan():
    assert "/api/v1/registrations/" in PLANNED
    assert len(PLANNED) >= 10, PLANNED


@pytest.mark.parametrize("email", ["ops@demo.example", "admin@northwind.example"])
@pytest.mark.parametrize("path", PLANNED)
def test_a_list_read_as_rows_answers_as_read_as_instances(seeded, monkeypatch, email, path):
    client = APIClient()
    client.force_login(User.objects.get(email=email))
    with_rows = client.get(path, {"page_size": 500})
    monkeypatch.setattr(views, "row_plan", lambda serializer_class: None)
    without = client.get(path, {"page_size": 500})
    assert with_rows.status_code == without.status_code
    assert with_rows.json() == without.json()


def test_most_of_those_lists_have_rows_to_compare_on_the_demo(seeded):
    client = APIClient()
    client.force_login(User.objects.get(email="ops@demo.example"))
    filled = [path for path in PLANNED if client.get(path).json()["results"]]
    assert len(filled) >= len(PLANNED) * 2 // 3, filled
