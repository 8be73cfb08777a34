"""Page through large lists without counting them.

An exact ``COUNT(*)`` reads every matching row: over a million registrations that is most of
a second on every page. ``CappedPaginator`` counts at most far enough to know whether there is
a page after the one asked for (and at least ``cap`` rows): below that the count is exact, above
it the page says "more than N" instead. A list of a whole table with no filter at all shows
"about N" from PostgreSQL's own estimate of the table's size (``pg_class.reltuples``, kept
current by autovacuum, read at most once a minute per process); such a list far larger than the
cap is not counted at all.

Used by the portal's lists (``prm.lists``) and the API's page-number pagination
(``prm.api.pagination``).
"""

from enum import StrEnum
from functools import cached_property
from time import monotonic

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

# Counting up to a thousand rows through an index takes a few milliseconds.
PORTAL_COUNT_CAP = 1_000
# A whole table whose estimated size is this many times the count's limit is not counted: the
# estimate stays that far off only after most of the table was deleted since it was last
# analysed, and even then the first page, read before counting, is exact when it is the last.
ESTIMATE_TRUSTED = 10


class CountAccuracy(StrEnum):
    EXACT = "exact"
    LOWER_BOUND = "lower_bound"  # there are more rows than the count says
    ESTIMATE = "estimate"  # the database's estimate of the table's size


def querystring(request) -> str:
    """The list's current filters without the page number, for its pagination and export
    links (repeated parameters kept)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def estimated_table_rows(queryset: QuerySet) -> int | None:
    """The table's estimated row count when ``queryset`` is the whole table (no filter, no
    join that could drop or repeat rows), on PostgreSQL; otherwise None."""
    query = queryset.query
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or query.where or query.distinct or query.combinator:
        return None
    if query.is_sliced or query.group_by is not None:
        return None
    key = (queryset.db, queryset.model._meta.db_table)
    read_at, estimate = _estimates.get(key, (None, None))
    now = monotonic()
    if read_at is None or now - read_at >= settings.PRM_TABLE_ESTIMATE_MAX_AGE:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [key[1]]
            )
            row = cursor.fetchone()
        # -1 (never analysed) or 0 (maybe not analysed yet): not an estimate worth showing.
        estimate = int(row[0]) if row and row[0] > 0 else None
        _estimates[key] = (now, estimate)
    return estimate


# (database, table) -> (when read, the estimate): reltuples moves only when autovacuum or
# ANALYZE runs, so a list of a whole table reads it at most once a minute per process, not on
# every page (``PRM_TABLE_ESTIMATE_MAX_AGE`` seconds).
_estimates: dict[tuple[str, str], tuple[float, int | None]] = {}


class CappedPaginator(Paginator):
    """A paginator whose count is exact up to a cap and a lower bound beyond it.

    The cap grows with the page asked for (``reach``, set by ``get_page``), so every page up to
    the last is reachable and a next page is offered while rows remain; counting never costs
    more than reading the page itself with its offset.
    """

    # Read the page before counting: a page shorter than ``per_page`` is the last one, so the
    # count is known without a query (most lists are short). Off for the portal's lists.
    reads_page_first = False

    def __init__(self, object_list, per_page, *args, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.cap = PORTAL_COUNT_CAP if cap is None else cap
        self.reach = 1

    def get_page(self, number):
        self.reach = _page_number(number)
        return super().get_page(number)

    def page(self, number):
        self.reach = max(self.reach, _page_number(number))
        if self.reads_page_first and "count" not in self.__dict__:
            page = self._page_read_first(number)
            if page is not None:
                return page
        return super().page(number)

    def _page_read_first(self, number):
        """The page, its rows read before the count; None to leave it to ``Paginator.page``
        (a number that is no page number, or no rows beyond the first page: its errors)."""
        if not isinstance(self.object_list, QuerySet) or self.orphans:
            return None
        try:
            number = int(number)
        except (TypeError, ValueError):
            return None
        if number < 1:
            return None
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page])
        if not rows and (number > 1 or not self.allow_empty_first_page):
            return None
        if len(rows) < self.per_page:
            self.__dict__["count"] = bottom + len(rows)  # the last page: exact
        # A full page: counted as usual (up to ``limit``, past this page), the rows kept.
        # Paginator._get_page is Django's hook for making a page; the stubs leave it out.
        return self._get_page(rows, self.validate_number(number), self)  # type: ignore[attr-defined]

    @cached_property
    def limit(self) -> int:
        """Count no further than this: the cap, or one page past the page asked for."""
        return max(self.cap, (self.reach + 1) * self.per_page)

    @cached_property
    def count(self) -> int:
        objects = self.object_list
        if not isinstance(objects, QuerySet):
            return len(objects)
        if (
            self._table_estimate is not None
            and self._table_estimate > ESTIMATE_TRUSTED * self.limit
        ):
            # A whole table far larger than the cap: counting up to the cap would only confirm
            # what the estimate says.
            return self.limit + 1
        # Neither the order nor the columns (nor per-row annotations) change a count; without
        # them PostgreSQL need not sort, join or compute anything to count.
        return objects.order_by().values("pk")[: self.limit + 1].count()

    @cached_property
    def _table_estimate(self) -> int | None:
        if not isinstance(self.object_list, QuerySet):
            return None
        return estimated_table_rows(self.object_list)

    @cached_property
    def estimate(self) -> int | None:
        if self.count <= self.limit:
            return None
        estimate = self._table_estimate
        return estimate if estimate is not None and estimate > self.limit else None

    @property
    def accuracy(self) -> CountAccuracy:
        if self.count <= self.limit:
            return CountAccuracy.EXACT
        return CountAccuracy.ESTIMATE if self.estimate else CountAccuracy.LOWER_BOUND

    @property
    def shown_count(self) -> int:
        """The count to show: exact, the table estimate, or the lower bound (``limit``)."""
        if self.accuracy is CountAccuracy.EXACT:
            return self.count
        return self.estimate or self.limit

    @property
    def count_label(self) -> str:
        """ "1,234", "about 1,000,000" or "more than 1,000"."""
        number = number_format(self.shown_count, force_grouping=True)
        if self.accuracy is CountAccuracy.ESTIMATE:
            return _("about %(count)s") % {"count": number}
        if self.accuracy is CountAccuracy.LOWER_BOUND:
            return _("more than %(count)s") % {"count": number}
        return number


def _page_number(number) -> int:
    try:
        return max(1, int(number))
    except (TypeError, ValueError):
        return 1
