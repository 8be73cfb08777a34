"""Server-side SVG charts (pygal) that render the same in a portal page and in a WeasyPrint PDF.

A ``Chart`` is labelled series plus the table that carries the same figures (every chart is
shown with its table and a CSV export of it). ``render_svg`` draws it with pygal and cleans the
SVG for the portal's Content-Security-Policy (``script-src 'self'; style-src 'self' 'nonce-…'``):
pygal's configuration ``<script>`` and its hover tooltips (which carry ``style=`` attributes)
are removed, and its one ``<style>`` element gets the request's nonce. PDFs render the same
SVG without a nonce (WeasyPrint has no CSP).
"""

import base64
import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pygal
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

SVG_NS = "http://www.w3.org/2000/svg"

# The portal's palette (static/css/prm.css) and a font WeasyPrint has (DejaVu).
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#9aa5b1",
    font_family="DejaVu Sans, Helvetica, Arial, sans-serif",
    colors=("#1d4ed8", "#d97706", "#059669", "#7c3aed", "#dc2626", "#0891b2"),
    transition="0ms",
)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[Decimal | int | float | None]


@dataclass(frozen=True)
class Chart:
    """``kind`` is "line" or "bar"; ``labels`` name the x positions (quarters, cohorts)."""

    key: str
    title: str
    labels: Sequence[str]
    series: Sequence[Series]
    kind: str = "line"
    unit: str = ""
    note: str = ""
    extra_columns: Sequence[tuple[str, Sequence[str]]] = field(default_factory=tuple)
    # The y axis from and to (a score out of 100: (0, 100)); None: fitted to the values.
    y_range: tuple[float, float] | None = None

    @property
    def header(self) -> list[str]:
        return ["", *(s.label for s in self.series), *(name for name, _ in self.extra_columns)]

    @property
    def rows(self) -> list[list[str]]:
        """The table under the chart: one row per label, one column per series."""
        rows = []
        for index, label in enumerate(self.labels):
            row = [label]
            row += [_cell(s.values[index]) for s in self.series]
            row += [values[index] for _, values in self.extra_columns]
            rows.append(row)
        return rows

    @property
    def is_empty(self) -> bool:
        return not self.labels or all(v is None for s in self.series for v in s.values)


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value != value.to_integral_value() else f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def _number(value) -> float | None:
    # pygal draws floats; the exact Decimal figures are in the table beside the chart.
    return None if value is None else float(value)


def _pygal_chart(chart: Chart):
    kind = pygal.Bar if chart.kind == "bar" else pygal.Line
    drawing = kind(
        style=STYLE,
        width=720,
        height=300,
        js=[],
        disable_xml_declaration=True,
        show_legend=len(chart.series) > 1,
        legend_at_bottom=True,
        legend_at_bottom_columns=min(len(chart.series), 4) or 1,
        print_values=False,
        x_label_rotation=0,
        truncate_label=-1,
        margin=12,
        # Room for the last x label, centred on the plot's right edge ("FY2026-Q4").
        margin_right=40,
        y_title=chart.unit or None,
        no_data_text="No data",
        range=chart.y_range,
        # The y axis starts at zero, so that a line's height reads as its size (30% sat on the
        # floor of an axis fitted from 29%), and its labels group thousands (1,800,000).
        include_x_axis=True,
        value_formatter=_axis_number,
    )
    drawing.title = chart.title
    drawing.x_labels = list(chart.labels)
    for series in chart.series:
        drawing.add(series.label, [_number(v) for v in series.values])
    return drawing


def _axis_number(value) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


def render_svg(chart: Chart, *, nonce: str | None = None) -> SafeString:
    """The chart as an inline ``<svg>`` element without script or style attributes."""
    root = _pygal_chart(chart).render_tree()
    _strip_interactive(root)
    for element in root.iter("style"):
        if nonce:
            element.set("nonce", nonce)
    for element in root.iter("title"):
        element.text = chart.title
    root.set("role", "img")
    root.set("aria-label", chart.title)
    root.set("xmlns", SVG_NS)
    # Built by pygal as a tree whose text ElementTree escapes: safe to insert as markup.
    return mark_safe(ET.tostring(root, encoding="unicode"))  # noqa: S308


def _strip_interactive(root: ET.Element) -> None:
    """Remove pygal's scripts, comments and tooltip overlays, and any style attributes."""
    parents = {child: parent for parent in root.iter() for child in parent}
    for element in list(root.iter()):
        classes = (element.get("class") or "").split()
        doomed = element.tag in ("script", ET.Comment) or {"tooltip-overlay", "tooltip"} & set(
            classes
        )
        parent = parents.get(element)
        if doomed and parent is not None:
            parent.remove(element)
    for element in root.iter():
        element.attrib.pop("style", None)


def chart_csv(chart: Chart) -> str:
    """The chart's table as CSV (the same rows as under the chart)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([chart.title, *chart.header[1:]])
    writer.writerows(chart.rows)
    return buffer.getvalue()


def table_html(chart: Chart) -> SafeString:
    """A plain HTML table of the chart's figures, for pages and PDFs."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in chart.header)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{escape(row[0])}</th>'
        + "".join(f'<td class="num">{escape(c)}</td>' for c in row[1:])
        + "</tr>"
        for row in chart.rows
    )
    return mark_safe(  # noqa: S308 - every cell is escaped above
        f'<table class="chart-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def data_uri(chart: Chart) -> str:
    """The cleaned SVG as a ``data:`` URL for an ``<img>``: how PDFs embed charts (WeasyPrint
    draws SVG images, not inline ``<svg>`` elements)."""
    encoded = base64.b64encode(render_svg(chart).encode()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"
