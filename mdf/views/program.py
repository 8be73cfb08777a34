"""The program view: utilization, time to decide, time to pay and return per MDF dollar by tier,
business model or activity type, as server-drawn bar charts each with its table, and the same
figures as a streamed CSV export. Program ops see the whole program; a channel account manager
the same figures over their own partners."""

import csv
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from prm.csvfiles import safe_cell

from ..program import selectors
from .common import internal_or_404

DIMENSION_LABELS = {
    "tier": _("Tier"),
    "business_model": _("Business model"),
    "activity_type": _("Activity type"),
}
ROW_HEIGHT = 32


def _dimension(request) -> str:
    wanted = request.GET.get("by", "tier")
    return wanted if wanted in selectors.DIMENSIONS else "tier"


def bar_chart(key: str, title, rows, value: Callable, shown: Callable) -> dict:
    """A horizontal bar chart for the template to draw as SVG: each bar's width is its share of
    the largest value, so no style attribute is needed. Rows without a value are left out."""
    bars = [(row, value(row)) for row in rows]
    bars = [(row, amount) for row, amount in bars if amount is not None]
    largest = max((amount for _row, amount in bars), default=0) or 1
    return {
        "key": key,
        "title": title,
        "height": max(len(bars), 1) * ROW_HEIGHT,
        "bars": [
            {
                "label": row.label,
                "value": shown(amount),
                "percent": int(Decimal(str(amount)) * 100 / Decimal(str(largest))),
            }
            for row, amount in bars
        ],
    }


def _charts(rows) -> list[dict]:
    return [
        bar_chart(
            "utilization",
            _("Utilization (% of funds committed or paid)"),
            rows,
            lambda r: r.utilization,
            lambda v: f"{v}%",
        ),
        bar_chart(
            "decide",
            _("Average time to decide (hours)"),
            rows,
            lambda r: r.decide_hours,
            lambda v: f"{v} h",
        ),
        bar_chart(
            "pay",
            _("Average time from claim approval to payment (days)"),
            rows,
            lambda r: r.pay_days,
            lambda v: f"{v} d",
        ),
        bar_chart(
            "return",
            _("Won revenue per MDF dollar paid"),
            rows,
            lambda r: r.won_per_dollar,
            lambda v: f"{v}",
        ),
    ]


@login_required
@require_GET
def program_view(request):
    internal_or_404(request.user)
    dimension = _dimension(request)
    rows = selectors.program_figures(request.user, dimension=dimension)
    return render(
        request,
        "mdf/program.html",
        {
            "dimension": dimension,
            "dimension_label": DIMENSION_LABELS[dimension],
            "dimensions": DIMENSION_LABELS.items(),
            "rows": rows,
            "total": selectors.program_totals(rows),
            "charts": _charts(rows),
            "counts": selectors.counts_by_status(request.user),
        },
    )


class _Echo:
    def write(self, value):
        return value


@login_required
@require_GET
def program_export(request):
    """The figures by every dimension, one line per group, streamed; cells a spreadsheet would
    run as a formula are defused."""
    internal_or_404(request.user)
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(["dimension", *selectors.CSV_HEADER])
        for dimension in selectors.DIMENSIONS:
            for r in selectors.program_figures(request.user, dimension=dimension):
                values = (dimension, *selectors.csv_values(r))
                yield writer.writerow(["" if v is None else safe_cell(v) for v in values])

    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mdf-program-{stamp}.csv"'
    return response
