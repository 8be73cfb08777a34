"""Row locks taken one way everywhere: by primary key, ascending, inside a transaction.

``SELECT … FOR UPDATE`` is a no-op on SQLite, where writes are serialised by the database lock.
"""

from collections.abc import Iterable
from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def lock(model: type[M], pk) -> M:
    return model._default_manager.select_for_update().get(pk=pk)


def lock_many(model: type[M], pks: Iterable) -> list[M]:
    # Always ascending primary keys so two transactions never wait on each other in a cycle.
    return list(model._default_manager.select_for_update().filter(pk__in=list(pks)).order_by("pk"))
