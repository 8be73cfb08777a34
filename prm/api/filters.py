"""Query filters shared by every app's API."""

import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import SearchFilter

from prm.search import Matches

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


class QueryFilterBackend(DjangoFilterBackend):
    """django-filter's backend, passed by when the request names none of the view's filters.

    A filter given no value leaves the rows as they are, so an unfiltered list (a sync, a first
    page) gets the same rows without building and validating a form of every filter, which
    cost about a millisecond of each such request. A parameter that names a filter, or one of
    the parts of a range filter (``amount_min``, ``closed_after``), takes the whole path,
    errors included.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not names_a_filter(request.query_params, filterset_class):
            return queryset
        return super().filter_queryset(request, queryset, view)


def names_a_filter(params, filterset_class) -> bool:
    names = filterset_class.base_filters
    return any(key in names or any(key.startswith(f"{name}_") for name in names) for key in params)


class WordSearchFilter(SearchFilter):
    """``?search=``: each term matched as the portal's search boxes match a word
    (``prm.search``: a short word matches the start of a word)."""

    default_lookup = Matches.lookup_name
