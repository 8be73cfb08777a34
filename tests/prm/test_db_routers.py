"""The read replica router: reporting blocks read from the replica when one is configured;
everything else, and every write, uses the primary."""

import subprocess
import sys

import pytest
from django.conf import settings

from prm import db_routers
from prm.db_routers import ReportingReplicaRouter, reporting_active, reporting_reads
from prm.models import User

from .test_deployment import REQUIRED, ROOT, clean_env

router = ReportingReplicaRouter()


@pytest.fixture
def replica(monkeypatch):
    monkeypatch.setitem(settings.DATABASES, "replica", dict(settings.DATABASES["default"]))


def test_reporting_reads_go_to_the_replica_only_inside_the_block(replica):
    assert router.db_for_read(User) is None
    with reporting_reads():
        assert reporting_active()
        assert router.db_for_read(User) == "replica"
    assert not reporting_active()
    assert router.db_for_read(User) is None


def test_without_a_replica_reporting_reads_stay_on_the_primary():
    assert "replica" not in settings.DATABASES
    with reporting_reads():
        assert router.db_for_read(User) is None


def test_the_block_ends_even_when_the_report_fails(replica):
    with pytest.raises(ZeroDivisionError), reporting_reads():
        1 / 0  # noqa: B018
    assert not reporting_active()


def test_writes_always_go_to_the_primary_even_for_a_row_read_from_the_replica(replica):
    user = User(email="someone@example.com")
    user._state.db = "replica"
    with reporting_reads():
        assert router.db_for_write(User, instance=user) == "default"


def test_the_replica_is_never_migrated():
    assert router.allow_migrate("replica", "deals") is False
    assert router.allow_migrate("default", "deals") is None


def test_a_decorated_function_reads_in_reporting_mode():
    @reporting_reads()
    def report():
        return reporting_active()

    assert report() is True
    assert report() is True
    assert not reporting_active()


def databases_of(settings_module: str, **env_extra) -> str:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "r = s.DATABASES.get('replica'); "
        "print(sorted(s.DATABASES), r and r['HOST'], s.DATABASE_ROUTERS)"
    )
    env = clean_env(DJANGO_SETTINGS_MODULE=settings_module, **env_extra)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=True).stdout.strip()  # fmt: skip


REPLICA_URL = "postgres://prm_ro@replica.internal:5432/prm"


def test_database_replica_url_adds_the_replica_in_production():
    out = databases_of(
        "prm.settings.production",
        **{**REQUIRED, "DATABASE_URL": "postgres://prm@db.internal:5432/prm"},
        DATABASE_REPLICA_URL=REPLICA_URL,
    )
    router_path = "prm.db_routers.ReportingReplicaRouter"
    assert out == f"['default', 'replica'] replica.internal ['{router_path}']"
    assert db_routers.REPLICA == "replica"


def test_without_database_replica_url_there_is_only_the_primary():
    assert databases_of("prm.settings.local").startswith("['default'] None")


def test_the_test_suite_never_reads_from_a_replica():
    """A test's rows are uncommitted on the primary; a replica connection would not see them."""
    out = databases_of("prm.settings.test", DATABASE_REPLICA_URL=REPLICA_URL)
    assert out.startswith("['default'] None")
