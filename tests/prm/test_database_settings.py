"""Every connection to PostgreSQL gets the portal's options (the primary and the replica, under
every settings module), and a query a connection runs again is prepared once and planned for
its own values every time."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from prm.settings.base import database

PG_URL = "postgres://prm:secret@db.example:5432/prm"


def test_postgresql_connections_skip_jit_and_prepare_repeated_queries(monkeypatch):
    monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    config = database(PG_URL)
    assert config["NAME"] == "prm"
    assert config["CONN_MAX_AGE"] == 60
    assert config["CONN_HEALTH_CHECKS"] is True
    assert config["OPTIONS"] == {
        "options": "-c jit=off -c plan_cache_mode=force_custom_plan",
        "server_side_binding": True,
        "prepare_threshold": 2,
    }


@pytest.mark.parametrize("value", ["off", "false", "0"])
def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler(monkeypatch, value):
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", value)
    assert database(PG_URL)["OPTIONS"]["prepare_threshold"] is None


def test_sqlite_gets_no_postgresql_options():
    config = database("sqlite:////tmp/prm.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert "OPTIONS" not in config or not config["OPTIONS"]


def test_the_replica_gets_the_same_options(monkeypatch):
    from prm.settings.base import with_replica

    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://reader@replica.example:5432/prm")
    monkeypatch.delenv("DATABASE_PREPARED_STATEMENTS", raising=False)
    databases = with_replica({"default": database(PG_URL)})
    assert databases["replica"]["HOST"] == "replica.example"
    assert databases["replica"]["OPTIONS"] == databases["default"]["OPTIONS"]


@pytest.mark.django_db
def test_a_query_run_again_on_a_connection_is_prepared_once():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    marker = "prepared-statement-probe@example.com"
    query = get_user_model().objects.filter(email=marker)

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%prm_user%email%"],
            )
            return cursor.fetchone()[0]

    before = prepared()
    for _ in range(3):
        assert not query.exists()
    assert prepared() == before + 1


@pytest.mark.django_db
def test_a_prepared_query_is_planned_for_its_values_every_time():
    """After five runs PostgreSQL would otherwise settle on one plan for any value, which
    cannot use an index limited to some statuses (the review queue's)."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    marker = "custom-plan-probe@example.com"
    query = get_user_model().objects.filter(email=marker, is_active=True)
    for _ in range(9):
        assert not query.exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s AND statement LIKE %s",
            ["%prm_user%email%", "%is_active%"],
        )
        (generic, custom), *others = cursor.fetchall()
    assert others == []
    assert generic == 0
    assert custom >= 7
