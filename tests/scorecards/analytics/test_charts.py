"""``prm.charts``: SVG charts that obey the Content-Security-Policy and render in WeasyPrint."""

import base64
import re
from decimal import Decimal

from prm.charts import Chart, Series, chart_csv, data_uri, render_svg, table_html
from tests.pdf_text import pdf_text

CHART = Chart(
    key="bookings",
    title="Bookings <by> quarter",
    labels=["FY2025-Q1", "FY2025-Q2"],
    series=[
        Series("Sourced", [Decimal("1200.50"), None]),
        Series("Influenced", [Decimal("3"), Decimal("4000")]),
    ],
    kind="bar",
    unit="USD",
)


def test_the_svg_has_no_script_no_style_attribute_and_the_nonce_on_its_style():
    svg = render_svg(CHART, nonce="n0nce")
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<script" not in svg
    assert ' style="' not in svg
    assert re.findall(r"<style[^>]*>", svg) == ['<style type="text/css" nonce="n0nce">']
    assert 'aria-label="Bookings &lt;by&gt; quarter"' in svg


def test_a_line_chart_without_a_nonce_has_a_plain_style():
    line = Chart(key="w", title="Win rate", labels=["Q1"], series=[Series("Rate", [50])])
    svg = render_svg(line)
    assert "nonce" not in svg and "<style" in svg and "Win rate" in svg


def test_the_y_axis_starts_at_zero_and_groups_thousands():
    line = Chart(
        key="w", title="Won", labels=["Q1", "Q2"], series=[Series("Won", [1_700_000, 1_800_000])]
    )
    labels = re.findall(r'<text[^>]*class="major"[^>]*>([^<]*)</text>', str(render_svg(line)))
    labels += re.findall(r'<text[^>]*class=""[^>]*>([^<]*)</text>', str(render_svg(line)))
    assert "0" in labels and "1,800,000" in labels
    assert not [label for label in labels if re.fullmatch(r"\d{4,}", label)]


def test_the_table_and_csv_carry_the_same_figures():
    assert CHART.header == ["", "Sourced", "Influenced"]
    assert CHART.rows == [["FY2025-Q1", "1,200.50", "3"], ["FY2025-Q2", "–", "4,000"]]
    assert chart_csv(CHART).splitlines() == [
        "Bookings <by> quarter,Sourced,Influenced",
        'FY2025-Q1,"1,200.50",3',
        'FY2025-Q2,–,"4,000"',
    ]
    html = table_html(CHART)
    assert '<th scope="row">FY2025-Q1</th>' in html and "&lt;" not in html.split("<tbody>")[0]


def test_an_empty_chart_says_so():
    empty = Chart(key="e", title="Nothing", labels=["Q1"], series=[Series("A", [None])])
    assert empty.is_empty and not CHART.is_empty


def test_the_chart_renders_inside_a_weasyprint_pdf():
    from weasyprint import HTML

    uri = data_uri(CHART)
    assert uri.startswith("data:image/svg+xml;base64,")
    assert b"<script" not in base64.b64decode(uri.split(",", 1)[1])
    pdf = HTML(string=f'<html><body><img src="{uri}" alt=""></body></html>').write_pdf()
    # WeasyPrint draws the SVG's text glyph by glyph.
    drawn = pdf_text(pdf).replace(" ", "")
    assert "Bookings<by>quarter" in drawn
    assert "FY2025-Q1" in drawn and "Influenced" in drawn
