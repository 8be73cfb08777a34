"""A dropped database connection (a restart, a failover, ``pg_terminate_backend``) never needs
the portal restarted: a request that loses its connection half way answers a clear 503 page
(JSON in the API) without a traceback, and the next request opens a new connection and works."""

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from django.db import connection
from django.test import Client

from deals.models import DealRegistration

from .conftest import database_url, wait_for

pytestmark = [
    pytest.mark.faults,
    pytest.mark.xdist_group("faults"),
    pytest.mark.django_db(transaction=True),
]


def terminate(pids=None) -> int:
    """Terminate the backends ``pids`` (default: every other backend of the test database)
    from a connection of our own; how many were terminated."""
    with psycopg.connect(database_url(), autocommit=True) as admin:
        if pids is None:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND pid <> %s",
                [connection.connection.info.backend_pid if connection.connection else 0],
            ).fetchall()
        else:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [pids]
            ).fetchall()
    return sum(1 for (done,) in rows if done)


class Portal:
    """The portal under gunicorn, signed in as ``user``: ``get(path)`` is (status, body)."""

    def __init__(self, base: str, user):
        self.base = base
        session = Client()
        session.force_login(user)
        self.headers = {"Cookie": f"sessionid={session.cookies['sessionid'].value}"}

    def get(self, path: str) -> tuple[int, str, dict]:
        request = urllib.request.Request(self.base + path, headers=self.headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)


def dropped_mid_request(portal: Portal, path: str):
    """Request ``path`` while the registrations table is locked, terminate the backend of the
    web process once it waits for the lock (mid-request, after its session and user were
    read), then let go: the answer of that request."""
    with psycopg.connect(database_url()) as locker, ThreadPoolExecutor(1) as pool:
        locker.execute(f"LOCK TABLE {DealRegistration._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        answer = pool.submit(portal.get, path)

        def blocked():
            return locker.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            ).fetchall()

        pids = wait_for(blocked, timeout=30, what="the request to wait for the table")
        terminate([pid for (pid,) in pids])
        locker.rollback()
        return answer.result(timeout=60)


@pytest.fixture
def portal(processes, acme_rep):
    return Portal(processes.start_web(), acme_rep)


def test_a_request_that_loses_its_connection_answers_a_clear_page_and_the_next_one_works(
    portal,
):
    assert portal.get("/deals/")[0] == 200

    status, page, headers = dropped_mid_request(portal, "/deals/")
    assert status == 503
    assert "cannot reach its database" in page and "Traceback" not in page
    assert headers["Retry-After"]
    assert portal.get("/deals/")[0] == 200

    status, body, _headers = dropped_mid_request(portal, "/api/v1/registrations/")
    assert status == 503
    assert json.loads(body)["error"]["code"] == "database_unavailable"
    assert portal.get("/api/v1/registrations/")[0] == 200


def test_a_web_process_whose_idle_connection_was_terminated_answers_the_next_request(portal):
    """gunicorn keeps its connection between requests (CONN_MAX_AGE); the health check at the
    start of the next request finds it dead and opens a new one: no error, no restart."""
    assert portal.get("/deals/")[0] == 200
    assert terminate() >= 1, "the web process should hold a connection between requests"
    assert portal.get("/deals/")[0] == 200
    assert portal.get("/")[0] == 200
