"""Program analytics in the browser: ops open the dashboard, filter by tier, see a chart drawn
under the Content-Security-Policy and download its table as CSV."""

import pytest

from tests.scorecards.analytics.conftest import program, rates  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ops_filter_by_tier_see_a_chart_and_download_its_csv(login, page, ops, program):  # noqa: F811
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    login(ops)
    page.goto("/")
    assert page.locator('nav a[href="/scorecards/analytics/"]').count() == 1
    page.goto("/scorecards/analytics/")
    page.fill("input[name=period]", "FY2025")
    page.select_option("select[name=tier]", label="Gold")
    page.locator("[data-testid=analytics-filters] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "tier=" in page.url and "period=FY2025" in page.url
    assert "USD 24,000.00" in page.locator("[data-testid=kpi-sourced_bookings]").inner_text()

    chart = page.locator("[data-testid=chart-bookings] svg")
    chart.wait_for()
    box = chart.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 50
    # Drawn with its stylesheet: the bars are filled with the palette, not default black.
    fill = page.evaluate(
        "() => getComputedStyle(document.querySelector("
        "'[data-testid=chart-bookings] svg .color-0 .rect, "
        "[data-testid=chart-bookings] svg .series .rect')).fill"
    )
    assert fill and fill != "rgb(0, 0, 0)"

    with page.expect_download() as download_info:
        page.locator("[data-testid=export-bookings]").click()
    download = download_info.value
    assert download.suggested_filename == "bookings-FY2025.csv"
    with open(download.path(), encoding="utf-8") as csv_file:
        content = csv_file.read()
    assert 'FY2025-Q3,"24,000",0' in content
    assert violations == []
