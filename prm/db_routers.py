"""Reporting reads on a PostgreSQL read replica.

With ``DATABASE_REPLICA_URL`` set, the queries run inside ``reporting_reads()`` (program
analytics, their exports and PDFs, business reviews) read from the replica, so heavy
aggregates do not compete with the portal's writes. Everything else reads from the primary:
a replica lags a little, and a page that just saved something must see it. Writes always go to
the primary, also for a row that was read from the replica. Without a replica configured the
context changes nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"

_reporting: ContextVar[bool] = ContextVar("prm_reporting_reads", default=False)


@contextmanager
def reporting_reads() -> Iterator[None]:
    """Read from the replica (when there is one) inside this block; usable as a decorator."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def reporting_active() -> bool:
    return _reporting.get()


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReportingReplicaRouter:
    def db_for_read(self, model, **hints) -> str | None:
        if _reporting.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the primary's rows: objects from either may be related.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, **hints) -> bool | None:
        # The replica follows the primary through replication, never through migrations.
        return False if db == REPLICA else None
