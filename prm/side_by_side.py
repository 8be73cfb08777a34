"""Independent read queries run at once, each on its own database connection.

A job that needs several large, independent aggregates (a tier review's certification counts
and its partner-sourced revenue, say) waits for them one after another on one connection, while
the database server could work on them side by side on its other cores. ``side_by_side`` runs
such calls in threads, each with its own connection (closed when the call returns), and gives
their results in order.

Only where that gives the same answers: on PostgreSQL, outside a transaction. A connection in a
transaction must read what that transaction wrote (or, in tests, the data of the test's
transaction), which another connection cannot see; there the calls run one after another on
the caller's connection. The calls must only read; each thread speaks the caller's language.

Two helpers for a job's writes follow the same rule: ``one_behind`` writes each chunk on a
connection of its own while the job prepares the next, and ``in_parallel`` runs a few
independent chunks at once, each in its own transaction on its own connection.
"""

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

from django.db import connection, connections
from django.utils import translation

T = TypeVar("T")


def can_run_side_by_side() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def side_by_side(calls: Sequence[Callable[[], T]]) -> list[T]:
    """The result of each of ``calls``, in order: at once on their own connections when
    ``can_run_side_by_side()``, else one after another. A call's exception is raised (the
    first call's, in their order, when several fail); the others are waited for first."""
    if len(calls) < 2 or not can_run_side_by_side():
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="side-by-side") as pool:
        language = translation.get_language()
        futures = [pool.submit(_on_own_connection, call, language) for call in calls]
        return [future.result() for future in futures]


def _on_own_connection(call: Callable[[], T], language: str | None) -> T:
    try:
        return _with_language(call, language)
    finally:
        connections.close_all()  # this thread's connections only: they are thread-local


def in_parallel(calls: Sequence[Callable[[], Any]], *, at_once: int) -> None:
    """Run ``calls``, ``at_once`` of them at a time, each on a connection of its own.

    For a job's chunks that are each a transaction of their own over rows no other chunk
    touches (they may write), so that their order does not matter: the database server works
    on ``at_once`` of them on as many cores instead of one. Once a call fails no further call
    starts; the calls already running finish, then the first failure in the order of
    ``calls`` is raised. The same when the caller is stopped while it waits (a task's soft
    time limit): the calls running finish, no other starts, and the caller's exception goes on.

    Where ``side_by_side`` would run calls one after another (in a transaction, not on
    PostgreSQL), they run in order on the caller's connection and the first failure stops
    them."""
    if at_once < 2 or len(calls) < 2 or not can_run_side_by_side():
        for call in calls:
            call()
        return
    language = translation.get_language()
    failed = threading.Event()

    def guarded(call: Callable[[], Any]) -> None:
        if failed.is_set():
            return
        try:
            _on_own_connection(call, language)
        except BaseException:
            failed.set()
            raise

    workers = min(at_once, len(calls))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="in-parallel") as pool:
        futures = [pool.submit(guarded, call) for call in calls]
        try:
            wait(futures)
        except BaseException:  # the caller stopped waiting (a task's time limit, say)
            failed.set()  # the calls running finish as the block ends; no other starts
            raise
    for future in futures:
        future.result()


def even_chunks(items: list[T], most: int) -> list[list[T]]:
    """``items`` in as few chunks of at most ``most`` as possible, of sizes differing by one at
    most (5,503 partners in chunks of 5,000: 2,752 and 2,751, not 5,000 and 503), so that
    chunks run ``in_parallel`` finish together."""
    count = -(-len(items) // most)
    size, larger = divmod(len(items), count) if count else (0, 0)
    chunks, start = [], 0
    for index in range(count):
        end = start + size + (index < larger)
        chunks.append(items[start:end])
        start = end
    return chunks


# Seconds a thread keeps the interpreter while another waits for it, inside ``one_behind``.
SWITCH_INTERVAL = 0.001


class Behind:
    """Hands calls over one at a time to run on a connection of their own (``one_behind``)."""

    def __init__(self, pool: ThreadPoolExecutor | None) -> None:
        self._pool = pool
        self._pending: Future | None = None

    def submit(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run ``call(*args, **kwargs)`` once the previous call has finished (its exception is
        raised here), and return without waiting for it when it runs on its own connection."""
        self.wait()
        if self._pool is None:
            call(*args, **kwargs)
            return
        self._pending = self._pool.submit(
            _with_language, partial(call, *args, **kwargs), translation.get_language()
        )

    def wait(self) -> None:
        """Wait for the call in flight, if any, raising its exception."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def settle(self) -> None:
        """Wait for the call in flight, if any, whatever its outcome."""
        pending, self._pending = self._pending, None
        if pending is not None:
            wait([pending])


@contextmanager
def one_behind() -> Iterator[Behind]:
    """A job's writes, each run while the job prepares the next one.

    A job that prepares a chunk of rows in Python and then waits while the database stores them
    (indexes, foreign-key checks at commit) leaves one of them idle at a time. Inside this block
    ``submit`` hands each write to a thread with its own connection and returns: the job
    prepares the next chunk while the database stores the last. One write at a time, in the
    order submitted, so a job that records how far it got in each write stays resumable. The
    block ends when the last write has (its exception, or the block's own, is raised).

    The writing thread spends its time waiting for the database, and after each answer it
    needs the interpreter back from the job's thread, which keeps it for up to the switch
    interval (5 ms): a chunk's dozen round trips would wait longer for it than for the
    database. Inside the block the interval is ``SWITCH_INTERVAL`` (this process: a worker runs
    one job at a time).

    Where ``side_by_side`` would run calls one after another (in a transaction, not on
    PostgreSQL), each write runs at once on the caller's connection instead."""
    if not can_run_side_by_side():
        yield Behind(None)
        return
    interval = sys.getswitchinterval()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="one-behind") as pool:
        behind = Behind(pool)
        sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
        try:
            yield behind
            behind.wait()
        except BaseException:
            behind.settle()  # no write left running behind the block's own exception
            raise
        finally:
            sys.setswitchinterval(interval)
            pool.submit(connections.close_all).result()


def _with_language(call: Callable[[], T], language: str | None) -> T:
    with translation.override(language):
        return call()
