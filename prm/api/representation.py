"""Answers of long lists, with the same JSON and less work per request and per value.

``ReadOnlyOutputMixin`` is for output serializers (every field read-only):

- DRF builds a ``ModelSerializer``'s fields from the model on every instance, so on every
  request (and for each nested serializer); the mixin builds them once per class and gives each
  instance a copy (a shallow one where the field holds no other field);
- DRF's ``to_representation`` asks every field of every row where its value comes from
  (``Field.get_attribute``: a source path, callables, missing relations, defaults). For a field
  that reads one model column none of that can happen: the mixin sorts the fields once per
  serializer (a list's rows share one) and reads such columns directly; every other field
  (relations, nested serializers, properties, methods, ``source="*"``) still goes through its
  own ``get_attribute``. Each value is still turned into JSON by its field's own
  ``to_representation``; time fields get the active time zone once, not once per value.
"""

import copy
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

# (field name, the column's attribute or None, the field's get_attribute, its to_representation)
_Step = tuple[str, str | None, Callable[[Any], Any], Callable[[Any], Any]]


def column_attribute(model, field) -> str | None:
    """The attribute holding ``field``'s value when it is one plain column of ``model``."""
    if model is None or len(field.source_attrs) != 1:
        return None
    name = field.source_attrs[0]
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a property, a method or an annotation: not a column
        return None
    if not getattr(model_field, "concrete", False) or model_field.is_relation:
        return None
    return model_field.attname


# Fields that hold other fields (a nested serializer, a list's child) or read related objects.
_COMPOSITE_FIELDS = (
    serializers.BaseSerializer,
    serializers.ListField,
    serializers.DictField,
    serializers.RelatedField,
    serializers.ManyRelatedField,
)


def _copy_field(field):
    """A copy of an unbound field for one serializer instance. DRF deep-copies every field, which
    builds it again from its arguments (choices and all); binding a field to its serializer only
    sets attributes of the copy, so a shallow copy does for any field that holds no other field
    bound to it."""
    if isinstance(field, _COMPOSITE_FIELDS):
        return copy.deepcopy(field)
    return copy.copy(field)


# See the module's docstring. (None here: the OpenAPI schema would take it as the description
# of every serializer using the mixin.)
class ReadOnlyOutputMixin:
    def get_fields(self):
        cls = type(self)
        # The class's own attribute, never a parent serializer's.
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._built_fields = built  # type: ignore[attr-defined]
        return {name: _copy_field(field) for name, field in built.items()}

    @cached_property
    def _representation_steps(self) -> list[_Step]:
        model = getattr(getattr(self, "Meta", None), "model", None)
        if settings.USE_TZ:
            # The time zone a time field would look up for every value (the active one, which
            # does not change while this request's answer is written), looked up once.
            for field in self._readable_fields:  # type: ignore[attr-defined]
                if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
                    field.timezone = timezone.get_current_timezone()
        return [
            (
                field.field_name,
                column_attribute(model, field),
                field.get_attribute,
                field.to_representation,
            )
            for field in self._readable_fields  # type: ignore[attr-defined]
        ]

    def to_representation(self, instance):
        if isinstance(instance, Mapping):
            return super().to_representation(instance)  # type: ignore[misc]
        answer = {}
        for name, column, get_attribute, represent in self._representation_steps:
            if column is not None:
                value = getattr(instance, column)
            else:
                try:
                    value = get_attribute(instance)
                except SkipField:
                    continue
                if isinstance(value, PKOnlyObject) and value.pk is None:
                    value = None
            answer[name] = None if value is None else represent(value)
        return answer


def with_references(queryset, **references):
    """``queryset`` joined to each relation named, loading of the related row only the columns
    its reference serializer shows (``partner=PartnerRefSerializer``): a user's password hash or
    a partner's lists are not read, decoded and discarded for every row of a page. The reference
    serializers named must read nothing but their ``Meta.fields``, or each row would load the
    rest one query at a time."""
    deferred = [
        f"{path}__{field.name}"
        for path, serializer in references.items()
        for field in serializer.Meta.model._meta.concrete_fields
        if field.name not in serializer.Meta.fields
    ]
    return queryset.select_related(*references).defer(*deferred)


class ChoiceLabelField(serializers.CharField):
    """The label of a choice, as ``get_<field>_display()`` gives it (the value itself when it is
    not one of ``choices``), from a table made once. Django's method hashes every lazily
    translated label of the field on every call, which adds up over a list."""

    def __init__(self, *, choices, **kwargs):
        self.labels = dict(choices)
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return str(self.labels.get(value, value))
