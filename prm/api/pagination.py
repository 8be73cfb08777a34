"""Page-number pages for the API's lists, with a count that stays cheap on large lists.

``count`` is exact up to ``COUNT_CAP`` rows (or one page past the page asked for, when that is
further); beyond it the answer says so in ``count_accuracy``: ``lower_bound`` (there are more
rows than ``count``) or, for a whole table with no filter, ``estimate`` (PostgreSQL's estimate
of the table's size). Page through everything with ``next`` either way; a sync client walks
large lists with ``?pagination=cursor`` (``prm.api.sync``), which never counts.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from prm.paging import CappedPaginator, CountAccuracy

COUNT_CAP = 10_000


class ApiCappedPaginator(CappedPaginator):
    reads_page_first = True

    def __init__(self, object_list, per_page, *args, **kwargs):
        kwargs.setdefault("cap", COUNT_CAP)
        super().__init__(object_list, per_page, *args, **kwargs)


class PagePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = ApiCappedPaginator

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.shown_count,
                "count_accuracy": str(paginator.accuracy),
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        page = super().get_paginated_response_schema(schema)
        page["properties"]["count"]["description"] = str(
            _(
                "Rows in the list: exact up to %(cap)s (or one page past this page), otherwise "
                "see count_accuracy."
            )
            % {"cap": f"{COUNT_CAP:,}"}
        )
        page["properties"] = {
            "count": page["properties"]["count"],
            "count_accuracy": {
                "type": "string",
                "enum": [accuracy.value for accuracy in CountAccuracy],
                "description": str(
                    _(
                        "exact: count is the number of rows; lower_bound: there are more rows "
                        "than count; estimate: the table's estimated size (a list of a whole "
                        "table without filters)."
                    )
                ),
                "example": CountAccuracy.EXACT.value,
            },
            **{k: v for k, v in page["properties"].items() if k != "count"},
        }
        page["required"] = ["count", "count_accuracy", "results"]
        return page
