"""Independent reads side by side: each on its own connection outside a transaction (on
PostgreSQL), on the caller's connection inside one, where only it sees what the transaction
wrote; results in the order of the calls either way. A job's writes one behind: each on a
connection of its own while the job prepares the next, one at a time, in order. And a job's
independent chunks in parallel: a few at a time, each on a connection of its own."""

import sys
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import translation

from prm.models import ChannelTeam
from prm.side_by_side import (
    SWITCH_INTERVAL,
    can_run_side_by_side,
    even_chunks,
    in_parallel,
    one_behind,
    side_by_side,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _open_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _connections_settle_to(expected: int) -> int:
    """The number of connections once the server has seen off the closed ones (a backend
    leaves ``pg_stat_activity`` a moment after its client closes), waiting up to 5 s for it
    to come down to ``expected``."""
    deadline = time.monotonic() + 5
    while (count := _open_connections()) > expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return count


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
    assert _connections_settle_to(before) <= before  # the calls' connections are closed


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


# --- Writes one behind ------------------------------------------------------------------------


def _create_team(name: str, record: list | None = None) -> None:
    ChannelTeam.objects.create(name=name)
    if record is not None:
        record.append((name, _backend_pid()))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="side by side only on PostgreSQL")
def test_one_behind_the_caller_goes_on_while_the_write_runs_on_its_own_connection():
    before = _open_connections()
    released = threading.Event()
    seen = []

    def held_write():
        assert released.wait(10)  # only once the caller went on past submit
        _create_team("Held", seen)

    with one_behind() as writer:
        writer.submit(held_write)
        released.set()
        writer.submit(_create_team, "Next", seen)

    assert [name for name, _pid in seen] == ["Held", "Next"]
    assert len({pid for _name, pid in seen} | {_backend_pid()}) == 2
    assert _team_names() == ["Held", "Next"]  # committed, seen from the caller's connection
    assert _connections_settle_to(before) <= before  # the writes' connection is closed


@pytest.mark.skipif(connection.vendor != "postgresql", reason="side by side only on PostgreSQL")
def test_one_behind_runs_one_write_at_a_time_in_the_order_given():
    running, overlaps, order = [], [], []

    def write(n):
        overlaps.append(len(running))
        running.append(n)
        threading.Event().wait(0.02)
        order.append(n)
        running.remove(n)

    with one_behind() as writer:
        for n in range(5):
            writer.submit(write, n)

    assert order == [0, 1, 2, 3, 4] and overlaps == [0] * 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="side by side only on PostgreSQL")
def test_a_failed_write_reaches_the_caller_and_stops_the_writes_after_it():
    def fails():
        raise ValueError("duplicate proposal")

    with pytest.raises(ValueError, match="duplicate proposal"), one_behind() as writer:
        writer.submit(fails)
        writer.submit(_create_team, "After")
    assert _team_names() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="side by side only on PostgreSQL")
def test_when_the_caller_fails_the_write_in_flight_finishes_first():
    released = threading.Event()

    def write():
        released.wait(10)
        _create_team("In flight")

    with pytest.raises(RuntimeError, match="caller failed"), one_behind() as writer:
        writer.submit(write)
        released.set()
        raise RuntimeError("caller failed")
    assert _team_names() == ["In flight"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="side by side only on PostgreSQL")
def test_the_writing_thread_gets_the_interpreter_back_sooner_inside_the_block_only():
    before = sys.getswitchinterval()
    with one_behind() as writer:
        writer.submit(lambda: None)
        assert sys.getswitchinterval() == min(before, SWITCH_INTERVAL) < 0.005
    assert sys.getswitchinterval() == before
    with pytest.raises(RuntimeError), one_behind():
        raise RuntimeError("caller failed")
    assert sys.getswitchinterval() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="side by side only on PostgreSQL")
def test_each_write_speaks_the_callers_language():
    seen = []
    with translation.override("fr"), one_behind() as writer:
        writer.submit(lambda: seen.append(translation.get_language()))
    assert seen == ["fr"]


def test_inside_a_transaction_each_write_runs_at_once_on_the_callers_connection():
    seen = []
    with transaction.atomic(), one_behind() as writer:
        ChannelTeam.objects.create(name="Uncommitted")
        writer.submit(lambda: seen.append((threading.get_ident(), _team_names())))
        assert seen == [(threading.get_ident(), ["Uncommitted"])]


# --- Chunks in parallel -----------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="in parallel only on PostgreSQL")
def test_in_parallel_runs_as_many_calls_at_once_as_allowed_each_on_its_own_connection():
    before = _open_connections()
    lock = threading.Lock()
    running, most, pids = [], [0], []
    two_running = threading.Barrier(2, timeout=10)

    def chunk(n):
        def write():
            with lock:
                running.append(n)
                most[0] = max(most[0], len(running))
            if n < 2:
                two_running.wait()  # the first two calls do run at the same time
            threading.Event().wait(0.02)
            _create_team(f"Chunk {n}", pids)
            with lock:
                running.remove(n)

        return write

    in_parallel([chunk(n) for n in range(6)], at_once=2)

    assert most[0] == 2
    assert _team_names() == [f"Chunk {n}" for n in range(6)]  # each committed on its own
    assert _backend_pid() not in {pid for _name, pid in pids}
    assert _connections_settle_to(before) <= before  # the calls' connections are closed


@pytest.mark.skipif(connection.vendor != "postgresql", reason="in parallel only on PostgreSQL")
def test_in_parallel_a_failure_starts_no_further_call_and_reaches_the_caller():
    started = []

    def chunk(n):
        def write():
            started.append(n)
            if n == 1:
                raise ValueError("chunk 1 failed")
            threading.Event().wait(0.05)  # still running when chunk 1 fails
            _create_team(f"Chunk {n}")

        return write

    with pytest.raises(ValueError, match="chunk 1 failed"):
        in_parallel([chunk(n) for n in range(8)], at_once=2)
    assert 1 in started and len(started) < 8
    assert "Chunk 1" not in _team_names()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="in parallel only on PostgreSQL")
def test_in_parallel_the_first_failure_in_the_order_of_the_calls_is_raised():
    both_running = threading.Barrier(2, timeout=10)

    def fails(message):
        def write():
            both_running.wait()
            raise ValueError(message)

        return write

    with pytest.raises(ValueError, match="first"):
        in_parallel([fails("first"), fails("second")], at_once=2)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="in parallel only on PostgreSQL")
def test_in_parallel_a_caller_stopped_while_waiting_starts_no_further_call(monkeypatch):
    import prm.side_by_side as module

    first_started = threading.Event()
    started = []

    def chunk(n):
        def write():
            started.append(n)
            first_started.set()
            threading.Event().wait(0.05)
            _create_team(f"Chunk {n}")

        return write

    def stopped(futures):  # a soft time limit raised in the caller as it waits
        assert first_started.wait(10)
        raise TimeoutError("soft time limit")

    monkeypatch.setattr(module, "wait", stopped)
    with pytest.raises(TimeoutError):
        in_parallel([chunk(n) for n in range(8)], at_once=2)
    assert len(started) <= 2  # the two running when the caller stopped; none after
    assert _team_names() == [f"Chunk {n}" for n in sorted(started)]  # and those finished


def test_in_parallel_inside_a_transaction_the_calls_run_in_order_on_the_callers_connection():
    seen = []
    with transaction.atomic():
        ChannelTeam.objects.create(name="Uncommitted")
        in_parallel(
            [lambda n=n: seen.append((n, threading.get_ident(), _team_names())) for n in range(3)],
            at_once=2,
        )
    assert seen == [(n, threading.get_ident(), ["Uncommitted"]) for n in range(3)]


@pytest.mark.parametrize(
    ("count", "most", "sizes"),
    [(5503, 5000, [2752, 2751]), (10, 5, [5, 5]), (11, 5, [4, 4, 3]), (3, 5, [3]), (0, 5, [])],
)
def test_even_chunks_are_as_few_as_allowed_and_differ_in_size_by_one_at_most(count, most, sizes):
    items = list(range(count))
    chunks = even_chunks(items, most)
    assert [len(chunk) for chunk in chunks] == sizes
    assert [item for chunk in chunks for item in chunk] == items  # in order, each once
