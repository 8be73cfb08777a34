"""Query filters shared by every app's API."""

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

# Ids are 64-bit integers in the database; a larger number is a client error, not a query.
ID_MAX = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    """Filter by the id of a related object: a whole number in the id range, else a 400.

    ``NumberFilter`` took any decimal (``1e300``, ``2.5``), which reached the database as an
    out-of-range value and failed there.
    """

    field_class = IdField


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    """One or more values of a column of the listed rows (``?status=a&status=b``).

    Without ``SELECT DISTINCT``, django-filter's default for multiple choices: the values are
    the rows' own column, so no join can repeat a row, and a distinct list of a large table
    cannot stop after one page (the commission lines took half a second).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)
