"""List pages read as rows of values, with the same JSON as the output serializer.

A page of 50 registrations built as model instances spends most of its time in Django making
the instances (and their joined partners and users) and in DRF preparing a serializer per row
and per nested reference; PostgreSQL spends more time planning the four joins than reading the
rows. For an output serializer whose fields are all simple, ``RowPlan`` reads the page as values
of its own table, then the related rows it shows with one query per related table, and writes
each row's answer with the serializer's own fields (``to_representation``), so the JSON is the
same:

- a column of the model: read as is;
- a related row's id (``PrimaryKeyRelatedField``): its foreign key column;
- a nested reference serializer over a foreign key (``PartnerRefSerializer``) whose fields are
  columns of the related model: read for the page's keys after the page (``None`` when the key
  is), so neither a sort over the whole list nor the planner has to deal with them;
- a property of the model: computed on a bare instance holding the row's columns.

Anything else (methods, dotted sources, lists of nested rows, serializers that override how they
build or write their fields, grouped or distinct querysets) has no plan, and the list is built as
usual. Plans are made once per serializer class and active time zone.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Iterable
from functools import cache, partial
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.query import ModelIterable
from django.db.models.query_utils import DeferredAttribute
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from .representation import ReadOnlyOutputMixin, column_attribute

# What a serializer class may not redefine for its answer to be written from a plan.
_OWN_BEHAVIOUR = ("__init__", "get_fields", "to_representation", "data", "many_init")
_NEEDS_REQUEST = (
    serializers.FileField,
    serializers.HyperlinkedRelatedField,
    serializers.HyperlinkedIdentityField,
)


def _identity(value):
    return value


class RowPlan:
    """How to read a list's rows as values and answer each as the serializer would."""

    def __init__(self, model: type[Model]):
        self.model = model
        self.columns: list[str] = []  # attnames of the model read as values
        # (related model, its key column) -> (the page's columns holding keys, columns read)
        self.references: dict[tuple[type[Model], str], tuple[list[str], list[str]]] = {}
        # (answer key, kind, value key or getter, (represent, type written as is), nested steps)
        self.steps: list[tuple] = []
        self.needs_instance = False

    # --- Reading -----------------------------------------------------------------------------

    def applies_to(self, queryset: QuerySet) -> bool:
        query = queryset.query
        return (
            queryset.model is self.model
            and query.group_by is None
            and not query.distinct
            and not query.combinator
            and not query.values_select
            and queryset._iterable_class is ModelIterable
        )

    def queryset(self, queryset: QuerySet, *, extra: Iterable[str] = ()) -> QuerySet:
        """``queryset`` as dictionaries of what the answer needs (and ``extra`` columns, the
        ones a cursor page reads its position from)."""
        names = [*self.columns, *(name for name in extra if name not in self.columns)]
        return queryset.prefetch_related(None).values(*names)

    # --- Writing -----------------------------------------------------------------------------

    def represent(self, rows: Iterable[dict], *, db: str) -> list[dict]:
        """The answers of ``rows`` (read from database ``db``)."""
        rows = list(rows)
        related = self._related_rows(rows, db)
        return [self._answer(row, related, db) for row in rows]

    def _related_rows(self, rows: list[dict], db: str) -> dict[tuple, dict[Any, dict]]:
        """The related rows the page shows, by table and key: one query per related table."""
        found: dict[tuple, dict[Any, dict]] = {}
        for (model, target), (keys, columns) in self.references.items():
            ids = {row[key] for row in rows for key in keys} - {None}
            if not ids:
                found[model, target] = {}
                continue
            found[model, target] = {
                row[target]: row for row in _rows_by_key(model, target, columns, ids, db)
            }
        return found

    def _answer(self, row: dict, related: dict[tuple, dict[Any, dict]], db: str) -> dict:
        instance = self._bare_instance(row, db) if self.needs_instance else None
        answer: dict[str, Any] = {}
        for name, kind, key, (represent, same), nested in self.steps:
            if kind == "column":
                value = row[key]
                answer[name] = value if value is None or type(value) is same else represent(value)
            elif kind == "reference":
                table, inner = nested
                other = related[table].get(row[key])
                if other is None:  # no key (or the row is gone since the page was read)
                    answer[name] = None
                    continue
                reference = {}
                for inner_name, inner_key, (inner_represent, inner_same) in inner:
                    value = other[inner_key]
                    if value is None or type(value) is inner_same:
                        reference[inner_name] = value
                    else:
                        reference[inner_name] = inner_represent(value)
                answer[name] = reference
            else:  # a property
                value = key(instance)
                answer[name] = value if value is None or type(value) is same else represent(value)
        return answer

    def _bare_instance(self, row: dict, db: str) -> Model:
        """An instance holding the row's columns, for properties: no ``__init__``, no signals.
        A property reading a column that was not read loads it, like any deferred field."""
        instance = self.model.__new__(self.model)
        instance.__dict__.update({name: row[name] for name in self.columns})
        state = ModelState()
        state.adding = False
        state.db = db
        instance._state = state
        return instance


def _rows_by_key(model, target: str, columns: list[str], ids: set, db: str) -> Iterable[dict]:
    """The rows of ``model`` whose ``target`` is one of ``ids``, as dictionaries of ``target``
    and ``columns``: a page's keys, a short plain list, and no order to sort the rows by."""
    names = [target, *columns]
    connection = connections[db]
    sql = _by_key_sql(model, tuple(names), connection.vendor)
    if sql is None:
        values = model._base_manager.using(db).filter(**{f"{target}__in": ids}).order_by()
        return values.values(*names)
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids)])
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@cache
def _by_key_sql(model, names: tuple[str, ...], vendor: str) -> str | None:
    """The SQL reading ``names`` of ``model``'s rows by a list of keys (the first name), made
    once: the ORM compiles the same few-column query for every page in about as long as
    PostgreSQL takes to run it. None where the ORM is needed: another database, or a column
    read through a converter (a JSON column)."""
    if vendor != "postgresql":
        return None
    connection = connections[DEFAULT_DB_ALIAS]
    fields = [model._meta.get_field(name) for name in names]
    table = model._meta.db_table
    for field in fields:
        column = field.get_col(table)
        if field.get_db_converters(connection) or connection.ops.get_db_converters(column):
            return None
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    # Names from the model's metadata, quoted; the keys are a parameter.
    return f"SELECT {columns} FROM {quote(table)} WHERE {quote(fields[0].column)} = ANY(%s)"  # noqa: S608


def row_plan(serializer_class: type[serializers.BaseSerializer]) -> RowPlan | None:
    """The plan for ``serializer_class`` in the active time zone, or None when it has none."""
    return _plan(serializer_class, timezone.get_current_timezone())


@cache
def _plan(serializer_class, zone) -> RowPlan | None:
    if not _plain_output_serializer(serializer_class):
        return None
    serializer = serializer_class()
    model = serializer.Meta.model
    plan = RowPlan(model)
    for field in serializer._readable_fields:
        if not _add_step(plan, model, field, zone):
            return None
    if model._meta.pk.attname not in plan.columns:
        plan.columns.append(model._meta.pk.attname)
    return plan


def _plain_output_serializer(serializer_class) -> bool:
    if not issubclass(serializer_class, serializers.ModelSerializer):
        return False
    for klass in serializer_class.__mro__:
        if klass.__module__.startswith("rest_framework") or klass is ReadOnlyOutputMixin:
            break
        if any(name in vars(klass) for name in _OWN_BEHAVIOUR):
            return False
    return True


def _represent(field, zone) -> tuple[Callable[[Any], Any], type]:
    """How ``field`` writes a value, and the type of the values it writes as they are."""
    if isinstance(field, serializers.DateTimeField):
        if not hasattr(field, "timezone"):
            field.timezone = zone  # what DRF would look up for every value
        if _writes_iso_8601(field) and field.timezone is not None:
            return partial(_iso_8601, field.timezone, field.to_representation), _Never
    represent = type(field).to_representation
    if represent is serializers.DateField.to_representation and _writes_iso_8601(field):
        return partial(_iso_date, field.to_representation), _Never
    if represent is serializers.DecimalField.to_representation and _writes_plain_decimal(field):
        context = decimal.getcontext().copy()  # what DRF copies for every value
        context.prec = field.max_digits or context.prec
        quantum = decimal.Decimal(".1") ** field.decimal_places
        writer = partial(_decimal, quantum, field.rounding, context, field.to_representation)
        return writer, _Never
    return field.to_representation, _unchanged_type(field)


def _writes_iso_8601(field) -> bool:
    """Whether a date or time field writes the ISO 8601 text of its values."""
    if isinstance(field, serializers.DateTimeField):
        base, default = serializers.DateTimeField, api_settings.DATETIME_FORMAT
    else:
        base, default = serializers.DateField, api_settings.DATE_FORMAT
    output = getattr(field, "format", default)
    return (
        type(field).to_representation is base.to_representation
        and isinstance(output, str)
        and output.lower() == ISO_8601
    )


def _iso_date(represent, value):
    """DRF's answer for a date written as ISO 8601, without looking up the format every time."""
    return value.isoformat() if type(value) is dt.date else represent(value)


def _writes_plain_decimal(field) -> bool:
    """Whether a decimal field writes its values as text rounded to fixed places."""
    return (
        field.decimal_places is not None
        and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        and not field.localize
        and not field.normalize_output
    )


def _decimal(quantum, rounding, context, represent, value):
    """DRF's text for a decimal rounded to the field's places, without making the quantum and
    copying the decimal context for every value."""
    if type(value) is not decimal.Decimal:
        return represent(value)
    return f"{value.quantize(quantum, rounding=rounding, context=context):f}"


def _iso_8601(zone, represent, value):
    """DRF's answer for an aware time in ``zone`` (``…Z`` in UTC), without looking up the
    field's format and time zone for every value; anything else as DRF writes it."""
    if type(value) is not dt.datetime or value.tzinfo is None:
        return represent(value)
    try:
        text = value.astimezone(zone).isoformat()
    except OverflowError:
        return represent(value)  # DRF's error
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class _Never:
    """The type of no value: the field's ``to_representation`` is called for every value."""


def _unchanged_type(field) -> type:
    """The type of the values ``field`` writes as they are (a string for a character field),
    which need not go through its ``to_representation``."""
    represent = type(field).to_representation
    if represent is serializers.ChoiceField.to_representation:
        keys = field.choice_strings_to_values.values()
        return str if all(type(key) is str for key in keys) else _Never
    if represent is serializers.BigIntegerField.to_representation:
        as_text = getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
        return _Never if as_text else int
    for kind, base in _UNCHANGED:
        if represent is base.to_representation:
            return kind
    return _Never


# DRF fields whose ``to_representation`` gives a value of this type back as it is.
_UNCHANGED = (
    (str, serializers.CharField),
    (int, serializers.IntegerField),
    (bool, serializers.BooleanField),
)


def _add_column(plan: RowPlan, attname: str) -> str:
    if attname not in plan.columns:
        plan.columns.append(attname)
    return attname


def _plain_column(model, field) -> str | None:
    """The column ``field`` shows as read, or None: a column whose attribute is no plain value
    (a file's name read as a ``FieldFile``) or a field that needs the request to write it (a
    file's or a link's absolute address) is not read from values."""
    column = column_attribute(model, field)
    if column is None or isinstance(field, _NEEDS_REQUEST):
        return None
    return column if type(getattr(model, column, None)) is DeferredAttribute else None


def _add_step(plan: RowPlan, model, field, zone) -> bool:
    name = field.field_name
    column = _plain_column(model, field)
    if column is not None and not isinstance(field, serializers.BaseSerializer):
        plan.steps.append((name, "column", _add_column(plan, column), _represent(field, zone), ()))
        return True
    if len(field.source_attrs) != 1:
        return False
    source = field.source_attrs[0]
    relation = _forward_relation(model, source)
    if isinstance(field, serializers.PrimaryKeyRelatedField) and relation is not None:
        if field.pk_field is not None or relation.target_field.primary_key is False:
            return False
        plan.steps.append(
            (name, "column", _add_column(plan, relation.attname), (_identity, int), ())
        )
        return True
    if isinstance(field, serializers.BaseSerializer):
        return relation is not None and _add_reference(plan, relation, field, zone)
    if isinstance(getattr(model, source, None), property) and not isinstance(
        field, (serializers.RelatedField, serializers.ManyRelatedField)
    ):
        getter = getattr(model, source).fget
        plan.steps.append((name, "property", getter, _represent(field, zone), ()))
        plan.needs_instance = True
        return True
    return False


def _forward_relation(model, name: str):
    """The foreign key (or one-to-one key) ``name`` of ``model``, or None."""
    try:
        relation = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if relation.concrete and (relation.many_to_one or relation.one_to_one):
        return relation
    return None


def _add_reference(plan: RowPlan, relation, serializer, zone) -> bool:
    """A nested serializer of the related row's columns, read after the page."""
    if getattr(serializer, "many", False) or not _plain_output_serializer(type(serializer)):
        return False
    related = relation.related_model
    if getattr(serializer.Meta, "model", None) is not related:
        return False
    nested = []
    for field in serializer._readable_fields:
        column = _plain_column(related, field)
        if column is None or isinstance(field, serializers.BaseSerializer):
            return False
        nested.append((field.field_name, column, _represent(field, zone)))
    key = _add_column(plan, relation.attname)
    table = (related, relation.target_field.attname)
    keys, columns = plan.references.setdefault(table, ([], []))
    keys.append(key)
    columns.extend(
        column for _name, column, _ in nested if column not in columns and column != table[1]
    )
    plan.steps.append(
        (serializer.field_name, "reference", key, (None, _Never), (table, tuple(nested)))
    )
    return True
