"""The lists people work in: sort, filter, search, paginate, export and act in bulk, one way
for every list page.

A list page declares a ``ListSpec``: a ``ListFilterSet`` (django-filter) with its text search and
whitelisted sort keys, and the ``Column``s shown as headers and written to the CSV export. The
view hands the spec the queryset of its selector (which is where tenancy is enforced) and gets a
``Listing`` back: the page of rows, the sortable headers, the query string that pagination keeps,
and the CSV export of exactly the filtered rows (same filter, same order, every page).

A value the filters do not understand (an invalid date, an unknown status or sort key, a partner
outside the user's scope) is an error shown beside its field, and the list then shows no rows:
a list that silently drops a filter would show more than the person asked for. The export
answers 400 in that case.

Bulk actions run one service call per row through ``run_bulk``, each row in a savepoint of its
own, and report per row what happened.
"""

import csv
import datetime as dt
import decimal
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import django_filters
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Page
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.constants import EMPTY_VALUES

from .csvfiles import safe_cell
from .exceptions import DomainError
from .paging import CappedPaginator
from .periods import day_start

PAGE_SIZE = 25
SORT_PARAM = "sort"
EXPORT_PARAM = "export"
# Parameters that are not filters: they never make a list "filtered" and the page links drop
# or replace them.
NOT_FILTERS = frozenset({"page", SORT_PARAM, EXPORT_PARAM})


# --- Filters -----------------------------------------------------------------------------------


class StableOrderingFilter(django_filters.OrderingFilter):
    """``?sort=key`` or ``?sort=-key`` over whitelisted keys; an unknown key is a form error.

    Every ordering ends with the primary key in the same direction, so rows with equal values
    keep their place from one page to the next. Empty values sort last in both directions, the
    same on PostgreSQL and SQLite.
    """

    def __init__(self, *args, default: Sequence[Any] = ("-pk",), **kwargs):
        kwargs.setdefault("label", gettext_lazy("Sort"))
        self.default = tuple(default)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs.order_by(*self.default, "-pk" if _descending(self.default) else "pk")
        ordering = []
        for param in value:
            name = self.get_ordering_value(param)
            descending = name.startswith("-")
            if not _nullable(qs.model, name.lstrip("-")):
                # No empty values to place: a plain direction, which an index on the column
                # serves both ways (a NULLS LAST descending order would need an index of its own).
                ordering.append(name)
                continue
            expression = F(name.lstrip("-"))
            ordering.append(
                expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
            )
        return qs.order_by(*ordering, "-pk" if value[0].startswith("-") else "pk")


def _nullable(model, path: str) -> bool:
    """Whether the column at ``path`` (``partner__display_name``) can be empty; a nullable
    relation on the way makes it so (a left join)."""
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return True  # an annotation: assume it may be
        if field.null:
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


def _descending(ordering: Sequence[Any]) -> bool:
    first = ordering[0] if ordering else "pk"
    if isinstance(first, str):
        return first.startswith("-")
    return bool(getattr(first, "descending", False))


class DayFilter(django_filters.DateFilter):
    """Rows whose date-and-time column falls on or after (``lookup_expr="gte"``) or on or
    before (``"lte"``) a day of the active time zone, as a range of times (``day_start``)."""

    def __init__(self, *args, lookup_expr: str = "gte", **kwargs):
        if lookup_expr not in ("gte", "lte"):
            raise ValueError(f"DayFilter takes gte or lte, not {lookup_expr}")
        super().__init__(*args, lookup_expr=lookup_expr, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        if self.lookup_expr == "gte":
            condition = {f"{self.field_name}__gte": day_start(value)}
        else:
            condition = {f"{self.field_name}__lt": day_start(value + dt.timedelta(days=1))}
        return self.get_method(qs)(**condition)


class ListFilterSet(django_filters.FilterSet):
    """A list's filters. ``q`` searches ``search_fields`` (each word must match one of them);
    subclasses add their filters and a ``sort = StableOrderingFilter(...)``."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(method="search", label=gettext_lazy("Search"))

    def search(self, queryset, name, value):
        for word in value.split()[:5]:
            match = Q()
            for path in self.search_fields:
                match |= Q(**{f"{path}__matches": word})
            queryset = queryset.filter(match)
        return queryset

    @property
    def user(self):
        return getattr(self.request, "user", None)


# --- Columns and the listing -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column: its header, its CSV value and (when sortable) its ``sort`` key."""

    label: str
    value: Callable[[Any], Any]
    sort: str = ""
    html: bool = True
    csv: bool = True


@dataclass(frozen=True)
class Header:
    label: str
    url: str = ""
    direction: str = ""  # "ascending", "descending" or "" (the aria-sort values)


@dataclass(frozen=True)
class ListSpec:
    filterset: type[ListFilterSet]
    columns: Sequence[Column]
    filename: str
    page_size: int = PAGE_SIZE

    def run(self, request, queryset: QuerySet) -> "Listing":
        filterset = self.filterset(request.GET, queryset=queryset, request=request)
        return Listing(spec=self, request=request, filterset=filterset)


@dataclass
class Listing:
    spec: ListSpec
    request: Any
    filterset: ListFilterSet
    extra: dict = field(default_factory=dict)

    @property
    def form(self):
        return self.filterset.form

    @cached_property
    def is_valid(self) -> bool:
        return self.filterset.is_valid()

    @cached_property
    def rows(self) -> QuerySet:
        """The filtered, sorted rows; none while a filter is not understood."""
        if not self.is_valid:
            return self.filterset.queryset.none()
        return self.filterset.qs

    @cached_property
    def page_obj(self) -> Page:
        """The page asked for. Its paginator counts the rows only up to a cap (``count_label``
        says "more than N" or "about N" beyond it): an exact count of a large list would cost
        more than the page."""
        paginator = CappedPaginator(self.rows, self.spec.page_size)
        return paginator.get_page(self.request.GET.get("page"))

    @property
    def filtered(self) -> bool:
        return any(v for k, v in self.request.GET.items() if k not in NOT_FILTERS)

    @cached_property
    def querystring(self) -> str:
        """The filters and sort, without the page number: what pagination links keep."""
        return self._query(drop={"page", EXPORT_PARAM})

    @property
    def export_query(self) -> str:
        return self._query(drop={"page"}, set_={EXPORT_PARAM: "csv"})

    @property
    def wants_export(self) -> bool:
        return self.request.GET.get(EXPORT_PARAM) == "csv"

    @cached_property
    def current_sort(self) -> str:
        values = self.form.cleaned_data.get(SORT_PARAM) if self.is_valid else None
        return values[0] if values else ""

    @cached_property
    def headers(self) -> list[Header]:
        headers = []
        for column in self.spec.columns:
            if not column.html:
                continue
            if not column.sort:
                headers.append(Header(column.label))
                continue
            direction, target = "", column.sort
            if self.current_sort == column.sort:
                direction, target = "ascending", f"-{column.sort}"
            elif self.current_sort == f"-{column.sort}":
                direction = "descending"
            url = "?" + self._query(drop={"page", EXPORT_PARAM}, set_={SORT_PARAM: target})
            headers.append(Header(column.label, url, direction))
        return headers

    def context(self, **more) -> dict:
        """The template context every list page uses (``includes/list_*.html``)."""
        return {
            "listing": self,
            "filter_form": self.form,
            "page_obj": self.page_obj,
            "querystring": self.querystring,
            "filtered": self.filtered,
            **more,
        }

    def export(self) -> HttpResponse:
        if not self.is_valid:
            errors = "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in self.form.errors.items()
            )
            return HttpResponse(
                _("The filters were not understood: %(errors)s") % {"errors": errors},
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        columns = [c for c in self.spec.columns if c.csv]
        return stream_csv(
            [str(c.label) for c in columns],
            ([c.value(obj) for c in columns] for obj in self.rows.iterator(chunk_size=2000)),
            filename=self.spec.filename,
        )

    def _query(self, *, drop: set[str], set_: dict[str, str] | None = None) -> str:
        query = self.request.GET.copy()
        for key in drop | set((set_ or {}).keys()):
            query.pop(key, None)
        for key, value in (set_ or {}).items():
            query[key] = value
        # Empty fields of a submitted filter form are noise in a link.
        for key in [k for k, v in query.items() if v == ""]:
            query.pop(key)
        return query.urlencode()


# --- CSV ---------------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose ``write`` hands the line back, for ``csv.writer`` streaming."""

    def write(self, value: str) -> str:
        return value


def csv_cell(value) -> Any:
    """Numbers stay numbers (a refund of -5 is not a formula); dates are ISO, local time;
    text is defused by ``safe_cell``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | decimal.Decimal | float):
        return value
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return safe_cell(value)


def stream_csv(header: list[str], rows: Iterable[Iterable], *, filename: str):
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response


# --- Bulk actions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkRow:
    label: str
    ok: bool
    message: str = ""
    item: Any = None  # what the row acted on (an id): the API reports rows by it


@dataclass
class BulkResult:
    title: str
    rows: list[BulkRow] = field(default_factory=list)

    @property
    def succeeded(self) -> list[BulkRow]:
        return [row for row in self.rows if row.ok]

    @property
    def failed(self) -> list[BulkRow]:
        return [row for row in self.rows if not row.ok]


# What a refused row reports: the domain error's message, or that it is out of reach.
REFUSALS = (DomainError, Http404, ObjectDoesNotExist, PermissionDenied)


def run_bulk(
    title: str,
    items: Iterable[Any],
    action: Callable[[Any], Any],
    *,
    label: Callable[[Any], str] = str,
    done: str = "",
) -> BulkResult:
    """Run ``action`` on each item in a savepoint of its own: a refused row leaves nothing
    behind and does not stop the others. Returns what happened, row by row."""
    result = BulkResult(title)
    for item in items:
        try:
            with transaction.atomic():
                action(item)
        except REFUSALS as exc:
            result.rows.append(BulkRow(label(item), False, _refusal(exc), item))
        else:
            result.rows.append(BulkRow(label(item), True, done, item))
    return result


def _refusal(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return str(exc.message)
    if isinstance(exc, PermissionDenied) and str(exc):
        return str(exc)
    return _("Not in your scope.")


def selected_ids(request, name: str = "ids", *, limit: int = 200) -> list[int]:
    """The row ids ticked on a list page, in the order given, without repeats or junk."""
    ids: list[int] = []
    for raw in request.POST.getlist(name)[:limit]:
        if raw.isdigit() and int(raw) not in ids:
            ids.append(int(raw))
    return ids
