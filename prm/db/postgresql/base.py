"""Django's PostgreSQL backend, with its bulk writes split to PostgreSQL's parameter limit.

The portal binds parameters on the server (``server_side_binding``), and PostgreSQL takes at
most 65,535 of them in one statement. Django's PostgreSQL backend declares no limit, so one
``bulk_create`` of 8,000 notifications (nine columns each), one ``bulk_update`` of a few
thousand rows, or a cascade deleting tens of thousands of rows by id, failed with "number of
parameters must be between 0 and 65535". Django splits those writes by
``DatabaseOperations.bulk_batch_size``; here it keeps each batch within the limit.

Filters over a long list of ids are not batched by Django at all: the code base passes them as
one array parameter (``prm.id_sets.id_set``).
"""

from django.db.backends.postgresql import base, operations

MAX_PARAMETERS = 65_535


def batch_size_for(field_count: int, object_count: int) -> int:
    """How many objects one statement may carry when each brings ``field_count`` fields.

    Counted twice each: ``bulk_update`` binds the primary key once per field and object (in
    ``CASE WHEN pk = … THEN …``) on top of each value, which Django's count of fields (the
    primary key twice, then the fields) does not cover."""
    if field_count == 0:
        return object_count
    return max(1, min(object_count, MAX_PARAMETERS // (2 * field_count)))


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        return batch_size_for(len(fields), len(objs))


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
