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
"""

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

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
        with translation.override(language):
            return call()
    finally:
        connections.close_all()  # this thread's connections only: they are thread-local
