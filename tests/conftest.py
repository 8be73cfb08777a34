"""Named personas from different partners, shared by every test module.

- ``acme_admin`` / ``acme_rep``: partner admin and rep of Acme (a reseller under Distri).
- ``globex_admin``: partner admin of Globex, an unrelated MSP.
- ``distri_admin``: admin of Distri, a distributor whose reseller is Acme.
- ``cam``: channel account manager assigned Acme and Distri; ``other_cam`` is assigned Globex.
- ``ops``: program operations, sees the whole program.
"""

import os
import time
import warnings
from pathlib import Path

import pytest
from django.db import connection

from partners.models import BusinessModel, PartnerMembership
from prm.models import User

from .factories import (
    PASSWORD,
    ChannelTeamFactory,
    MembershipFactory,
    PartnerFactory,
    TierFactory,
    UserFactory,
)


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = "redis" if settings.REDIS_URL else "none (eager tasks)"
    return [f"database engine: {engine}", f"cache/broker: {broker}"]


def pytest_runtest_setup(item):
    """Tests marked ``xdist_group`` need ``--dist loadgroup`` to run each group in one process
    (the fault tests stop Redis and kill workers; other groups collect static files or seed the
    demo once). pytest-xdist tags such a test's id with its group; a marked test found untagged
    (a pytest release this xdist does not support) fails rather than run beside the others."""
    grouped = getattr(item.config.option, "loadgroup", False)  # xdist's test processes only
    if grouped and item.get_closest_marker("xdist_group") and "@" not in item.nodeid:
        pytest.fail(
            "--dist loadgroup did not put this test in its xdist_group: this pytest-xdist does "
            "not support this pytest release (see the pytest pin in pyproject.toml).",
            pytrace=False,
        )


@pytest.fixture(scope="session", autouse=True)
def _no_session_left_on_the_test_database(django_db_setup, django_db_blocker):
    """At the end, wait up to 5 s for the test database's other sessions to end, then name
    those left (state, last query, the local process holding each, or its socket's TCP state
    when none does) in a warning and end them, so that the database can be dropped.

    PostgreSQL refuses to drop a database in use ("is being accessed by other users"). Runs
    used to end with one such session per test process: the connection its tests used after
    the first browser test, while Playwright's event loop kept Django's connections apart
    (``tests/browser/conftest.py`` now closes them). A warning here names any other."""
    yield
    if connection.vendor != "postgresql":
        return
    query = (
        "SELECT pid, client_port, state, backend_start, left(query, 200) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND backend_type = 'client backend'"
    )
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for _attempt in range(50):  # up to 5 s
            cursor.execute(query)
            others = cursor.fetchall()
            if not others:
                return
            time.sleep(0.1)
        # Named, then ended, so that the database can be dropped.
        left = [(_process_on_port(port), *rest) for _pid, port, *rest in others]
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid",
            [[pid for pid, *_rest in others]],
        )
    warnings.warn(f"sessions left on the test database, ended: {left}", stacklevel=1)


def _process_on_port(port: int | None) -> str:
    """Which local process has the TCP socket bound to ``port`` (its pid and command line)."""
    if port is None or port < 0:
        return "unix socket"
    inodes, states = set(), set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
                states.add(TCP_STATES.get(fields[3], fields[3]))
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue  # ended meanwhile
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue  # closed meanwhile: the process's other descriptors still count
            if target.strip("socket:[]") in inodes:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                who = "this test process" if int(pid) == os.getpid() else command.decode()
                return f"pid {pid}: {who[:120]}"
    return f"port {port}: no local process, socket {'/'.join(sorted(states)) or 'gone'}"


TCP_STATES = {"01": "established", "04": "fin-wait-1", "05": "fin-wait-2", "06": "time-wait",
              "07": "close", "08": "close-wait", "09": "last-ack"}  # fmt: skip


@pytest.fixture(autouse=True)
def _media_in_memory(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def team(db):
    return ChannelTeamFactory(name="Resale team")


@pytest.fixture
def cam(db, team):
    user = UserFactory(
        email="cam@vendor.example", full_name="Casey Manager", internal_role="cam", team=team
    )
    team.lead = UserFactory(
        email="lead@vendor.example", full_name="Lee Lead", internal_role="cam", team=team
    )
    team.save()
    return user


@pytest.fixture
def other_cam(db):
    return UserFactory(
        email="other.cam@vendor.example", full_name="Olive Other", internal_role="cam"
    )


@pytest.fixture
def ops(db):
    return UserFactory(email="ops@vendor.example", full_name="Oscar Ops", internal_role="ops")


@pytest.fixture
def tiers(db):
    return [
        TierFactory(rank=1, name="Registered"),
        TierFactory(rank=2, name="Silver"),
        TierFactory(rank=3, name="Gold"),
    ]


@pytest.fixture
def distri(db, cam, tiers):
    return PartnerFactory(
        display_name="Distri",
        business_model=BusinessModel.DISTRIBUTOR,
        channel_manager=cam,
        tier=tiers[1],
    )


@pytest.fixture
def acme(db, cam, distri, tiers, team):
    return PartnerFactory(
        display_name="Acme",
        parent_distributor=distri,
        channel_manager=cam,
        tier=tiers[0],
        team=team,
    )


@pytest.fixture
def globex(db, other_cam, tiers):
    return PartnerFactory(
        display_name="Globex",
        business_model=BusinessModel.MSP,
        channel_manager=other_cam,
        tier=tiers[2],
        hq_country="DE",
        regions_served=["EMEA"],
    )


def _member(email, name, partner, role) -> User:
    return MembershipFactory(
        user=UserFactory(email=email, full_name=name), partner=partner, role=role
    ).user


@pytest.fixture
def acme_admin(acme):
    return _member("ada@acme.example", "Ada Admin", acme, PartnerMembership.Role.ADMIN)


@pytest.fixture
def acme_rep(acme):
    return _member("rex@acme.example", "Rex Rep", acme, PartnerMembership.Role.REP)


@pytest.fixture
def globex_admin(globex):
    return _member("gina@globex.example", "Gina Globex", globex, PartnerMembership.Role.ADMIN)


@pytest.fixture
def distri_admin(distri):
    return _member("dan@distri.example", "Dan Distri", distri, PartnerMembership.Role.ADMIN)


@pytest.fixture
def personas(acme_admin, acme_rep, globex_admin, distri_admin, cam, other_cam, ops):
    return {
        "acme_admin": acme_admin,
        "acme_rep": acme_rep,
        "globex_admin": globex_admin,
        "distri_admin": distri_admin,
        "cam": cam,
        "other_cam": other_cam,
        "ops": ops,
    }


@pytest.fixture
def client_for(client):
    """``client_for(user)`` returns the test client logged in as ``user``."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def db_vendor() -> str:
    return connection.vendor
