"""Trigram similarity that gives the same answer on PostgreSQL (pg_trgm) and SQLite.

On PostgreSQL the ``%`` operator and ``similarity()`` come from pg_trgm and the GIN indexes of
migration 0002. On SQLite the same two entry points are Python functions registered on every
new connection, so one ORM query serves both engines with identical scores (SQLite scans).
"""

import re
import struct

from django.contrib.postgres.lookups import TrigramSimilar
from django.db.backends.signals import connection_created

from ..models import CustomerAccount, DealRegistration

# pg_trgm's own default for the ``%`` operator; conflict checks raise it per query.
PG_TRGM_DEFAULT_THRESHOLD = 0.3
_WORD = re.compile(r"[^\W_]+")


def _trigrams(text: str) -> set[str]:
    """pg_trgm's trigram set: each alphanumeric word lower-cased and padded with two spaces in
    front and one behind, cut into every run of three characters."""
    found: set[str] = set()
    for word in _WORD.findall((text or "").lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def _as_real(value: float) -> float:
    # pg_trgm computes in single precision (``real``).
    return struct.unpack("f", struct.pack("f", value))[0]


def _shortest_text(real: float) -> float:
    """The value a PostgreSQL client reads for a ``real``: its shortest round-tripping decimal."""
    for digits in range(1, 10):
        candidate = float(f"{real:.{digits}g}")
        if _as_real(candidate) == real:
            return candidate
    return real


def _similarity_real(a: str, b: str) -> float:
    first, second = _trigrams(a), _trigrams(b)
    if not first or not second:
        return 0.0
    shared = len(first & second)
    return _as_real(shared / (len(first) + len(second) - shared))


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity(a, b)`` (shared trigrams over the union of both sets), exactly as
    PostgreSQL returns it."""
    return _shortest_text(_similarity_real(a or "", b or ""))


def _install_sqlite_functions(sender=None, connection=None, **kwargs) -> None:
    """Give SQLite the two pg_trgm entry points the conflict query uses: ``similarity()`` and
    the ``%`` operator (as ``trigram_similar()``, honouring the per-connection threshold)."""
    if connection is None or connection.vendor != "sqlite":
        return

    def similar(a, b):
        threshold = getattr(connection, "trigram_threshold", PG_TRGM_DEFAULT_THRESHOLD)
        # Compared in single precision, as pg_trgm does.
        return _similarity_real(a or "", b or "") >= threshold

    raw = connection.connection
    raw.create_function("similarity", 2, trigram_similarity, deterministic=True)
    raw.create_function("trigram_similar", 2, similar)
    connection.trigram_functions_for = id(raw)


connection_created.connect(_install_sqlite_functions, dispatch_uid="deals.conflicts.trigram")


def _ensure_sqlite_functions(connection) -> None:
    # Connections opened before this module was imported missed the signal.
    connection.ensure_connection()
    if getattr(connection, "trigram_functions_for", None) != id(connection.connection):
        _install_sqlite_functions(connection=connection)


class PortableTrigramSimilar(TrigramSimilar):
    """``field__trigram_similar=value``: pg_trgm's ``%`` on PostgreSQL (served by the GIN index),
    the Python fallback on SQLite."""

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"trigram_similar({lhs}, {rhs})", (*lhs_params, *rhs_params)


DealRegistration._meta.get_field("customer_name_normalized").register_lookup(PortableTrigramSimilar)
CustomerAccount._meta.get_field("normalized_name").register_lookup(PortableTrigramSimilar)


def set_similarity_threshold(connection, threshold: float) -> None:
    """The ``%`` operator compares with ``pg_trgm.similarity_threshold``; set it for the current
    transaction only so no other query on a pooled connection inherits it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(threshold)]
            )
    else:
        _ensure_sqlite_functions(connection)
        connection.trigram_threshold = threshold
