"""Independent reads side by side: each on its own connection outside a transaction (on
PostgreSQL), on the caller's connection inside one, where only it sees what the transaction
wrote; results in the order of the calls either way."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import translation

from prm.models import ChannelTeam
from prm.side_by_side import can_run_side_by_side, side_by_side

pytestmark = pytest.mark.django_db(transaction=True)


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _open_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _team_names() -> list[str]:
    return sorted(ChannelTeam.objects.values_list("name", flat=True))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="side by side only on PostgreSQL")
def test_outside_a_transaction_each_call_runs_at_once_on_its_own_connection():
    ChannelTeam.objects.create(name="North")
    mine = _backend_pid()
    before = _open_connections()
    both_started = threading.Barrier(2, timeout=10)

    def call(label):
        def read():
            both_started.wait()  # returns only when the other call runs at the same time
            return label, _backend_pid(), _team_names()

        return read

    first, second = side_by_side([call("first"), call("second")])

    assert [first[0], second[0]] == ["first", "second"]
    assert first[2] == second[2] == ["North"]
    assert len({mine, first[1], second[1]}) == 3
    assert _open_connections() == before  # the calls' connections are closed


@pytest.mark.skipif(connection.vendor != "postgresql", reason="side by side only on PostgreSQL")
def test_each_call_speaks_the_callers_language():
    with translation.override("fr"):
        assert side_by_side([translation.get_language, translation.get_language]) == ["fr", "fr"]


def test_inside_a_transaction_the_calls_run_in_turn_and_see_what_it_wrote():
    with transaction.atomic():
        ChannelTeam.objects.create(name="Uncommitted")
        assert not can_run_side_by_side()
        threads = side_by_side([threading.get_ident, threading.get_ident])
        names = side_by_side([_team_names, _team_names])
    assert threads == [threading.get_ident()] * 2
    assert names == [["Uncommitted"], ["Uncommitted"]]


def test_an_error_in_a_call_reaches_the_caller():
    def fails():
        raise ValueError("no such rate")

    with pytest.raises(ValueError, match="no such rate"):
        side_by_side([_team_names, fails])
