"""Input checked against the column it lands in, the same on every database.

Django derives an integer field's range from the database in use, so on SQLite (which stores
any 64-bit integer in any integer column) a customer count of 13,395,455,610 passes validation
and only PostgreSQL refuses it, with a server error. Here the bounds come from the column type
as PostgreSQL defines it, whatever the database, together with ``max_length`` and decimal
digits. Input serializers and forms declare the models their fields land in and get these
validators added to every field of the same name, so a new field cannot forget them.
"""

from django import forms
from django.core import validators
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import serializers

_SMALL = (-(2**15), 2**15 - 1)
_INT = (-(2**31), 2**31 - 1)
_BIG = (-(2**63), 2**63 - 1)
INTEGER_RANGES = {
    "SmallIntegerField": _SMALL,
    "IntegerField": _INT,
    "BigIntegerField": _BIG,
    "PositiveSmallIntegerField": (0, _SMALL[1]),
    "PositiveIntegerField": (0, _INT[1]),
    "PositiveBigIntegerField": (0, _BIG[1]),
    "SmallAutoField": (1, _SMALL[1]),
    "AutoField": (1, _INT[1]),
    "BigAutoField": (1, _BIG[1]),
}


def column(models_: tuple[type[models.Model], ...], name: str) -> models.Field | None:
    """The concrete column called ``name`` on the first of ``models_`` that has one."""
    for model in models_:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(field, models.Field) and field.concrete:
            return field
    return None


def column_validators(field: models.Field) -> list:
    """The validators that keep a value within ``field``'s column."""
    found: list = []
    internal_type = field.get_internal_type()
    if internal_type in INTEGER_RANGES:
        low, high = INTEGER_RANGES[internal_type]
        found += [validators.MinValueValidator(low), validators.MaxValueValidator(high)]
    if isinstance(field, models.DecimalField):
        found.append(validators.DecimalValidator(field.max_digits, field.decimal_places))
    if getattr(field, "max_length", None) and not field.choices:
        found.append(validators.MaxLengthValidator(field.max_length))
    return found


_UPPER = (validators.MaxValueValidator, validators.MaxLengthValidator)
_LOWER = (validators.MinValueValidator, validators.MinLengthValidator)


def added_validators(existing: list, target: models.Field) -> list:
    """The column's validators that the field does not already enforce as strictly, so that a
    field declaring ``max_length=120`` does not report the same limit twice."""

    def covered(validator) -> bool:
        for own in existing:
            if type(own) is not type(validator):
                continue
            if isinstance(validator, _UPPER) and own.limit_value <= validator.limit_value:
                return True
            if isinstance(validator, _LOWER) and own.limit_value >= validator.limit_value:
                return True
        return False

    return [v for v in column_validators(target) if not covered(v)]


def _list_child(field):
    return field.child if isinstance(field, serializers.ListField) else None


class ColumnBoundSerializer(serializers.Serializer):
    """An input serializer whose fields land in columns of ``Meta.models`` (tried in order).

    A JSON list field landing in a JSON column is left alone; its items are checked by the
    field's ``child``. ``Meta.column_exempt`` names fields whose own validation already maps
    any input to a valid column value with a more helpful message.
    """

    def get_fields(self):
        fields = super().get_fields()
        meta = getattr(self, "Meta", None)
        models_ = tuple(getattr(meta, "models", ()))
        exempt = set(getattr(meta, "column_exempt", ()))
        for name, field in fields.items():
            bound = not field.read_only and name not in exempt
            # DRF sets ``source`` to a dotted name (or leaves it None until bound); its stubs
            # also allow a callable, which DRF never stores there.
            target = column(models_, field.source or name) if bound else None  # type: ignore[arg-type]
            if target is None or _list_child(field) is not None:
                continue
            field.validators = [*field.validators, *added_validators(field.validators, target)]
        return fields


class ColumnBoundForm(forms.Form):
    """The form counterpart of ``ColumnBoundSerializer``: ``column_models`` lists the models
    the form's fields land in. ``column_exempt`` names fields whose own ``clean_<name>``
    already maps any input to a valid column value with a more helpful message."""

    column_models: tuple[type[models.Model], ...] = ()
    column_exempt: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            target = column(self.column_models, name) if name not in self.column_exempt else None
            if target is None or isinstance(field, forms.MultipleChoiceField):
                continue
            field.validators = [*field.validators, *added_validators(field.validators, target)]
