"""The dashboard page, its CSV exports and the program summary PDF: who may see them, filters
(an invalid value is an error), and the figures shown."""

import csv
import io
import re

import pytest
from django.urls import reverse

from tests.pdf_text import pdf_text

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("scorecards:analytics:dashboard")


def url(name, *args, **query):
    from urllib.parse import urlencode

    base = reverse(f"scorecards:analytics:{name}", args=args)
    return f"{base}?{urlencode(query)}" if query else base


def test_ops_see_the_program_figures_with_charts_and_tables(client_for, ops, program):
    response = client_for(ops).get(DASHBOARD, {"period": "FY2025"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'data-testid="kpi-sourced_bookings">.*?USD 34,000.00', html, re.S)
    assert re.search(r'data-testid="kpi-contribution_margin">.*?USD 29,400.00', html, re.S)
    for key in ("bookings", "pipeline", "win_rate", "margin", "mdf", "sla", "certification"):
        assert f'data-testid="chart-{key}"' in html
        assert f'data-testid="table-{key}"' in html
        assert f'data-testid="export-{key}"' in html
    assert 'href="/scorecards/analytics/export/bookings.csv?period=FY2025"' in html
    assert "<svg" in html and "<script" not in html.split("<svg", 1)[1].split("</svg>")[0]


def test_the_empty_filters_say_what_they_show(client_for, ops, program):
    from scorecards.analytics.filters import default_period

    response = client_for(ops).get(DASHBOARD)
    form = response.context["form"]
    assert form["period"].field.widget.attrs["placeholder"] == default_period().label
    assert f"Period {default_period().label}" in response.content.decode()
    for name in ("tier", "cam", "business_model", "region"):
        assert list(form.fields[name].choices)[0][1] == "All", name


def test_the_chart_styles_carry_the_nonce_of_the_policy_header(client_for, ops, program):
    response = client_for(ops).get(DASHBOARD, {"period": "FY2025"})
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    html = response.content.decode()
    styles = re.findall(r"<style([^>]*)>", html)
    assert styles and all(f'nonce="{nonce}"' in attrs for attrs in styles)
    svg = html.split("<svg", 1)[1]
    assert ' style="' not in svg.split("</svg>")[0]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period": "FY20X"}, "is not a fiscal period"),
        ({"tier": "999999"}, "Select a valid choice"),
        ({"region": "MARS"}, "Select a valid choice"),
        ({"business_model": "pirate"}, "Select a valid choice"),
    ],
)
def test_an_invalid_filter_is_an_error_not_ignored(client_for, ops, program, query, message):
    response = client_for(ops).get(DASHBOARD, query)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="filter-errors"' in html and message in html
    assert 'data-testid="kpi-sourced_bookings"' not in html


def test_a_filter_in_the_url_narrows_the_figures(client_for, ops, program, tiers):
    response = client_for(ops).get(DASHBOARD, {"period": "FY2025", "tier": tiers[2].pk})
    assert re.search(
        r'data-testid="kpi-sourced_bookings">.*?USD 24,000.00', response.content.decode(), re.S
    )


def test_a_channel_manager_sees_their_partners_and_cannot_pick_another_manager(
    client_for, cam, other_cam, program
):
    client = client_for(cam)
    mine = client.get(DASHBOARD, {"period": "FY2025"}).content.decode()
    assert re.search(r'data-testid="kpi-sourced_bookings">.*?USD 10,000.00', mine, re.S)
    assert client.get(DASHBOARD, {"period": "FY2025", "cam": other_cam.pk}).status_code == 400
    assert client.get(DASHBOARD, {"period": "FY2025", "cam": cam.pk}).status_code == 200


@pytest.mark.parametrize("persona", ["acme_admin", "acme_rep", "globex_admin"])
def test_partner_users_are_refused_program_analytics(client_for, persona, request, program):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(url("chart_export", "bookings", period="FY2025")).status_code == 403
    assert client.get(url("summary_pdf", period="FY2025")).status_code == 403


def test_csv_export_has_the_table_under_the_chart(client_for, ops, program):
    response = client_for(ops).get(url("chart_export", "bookings", period="FY2025"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="bookings-FY2025.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Won bookings by quarter", "Partner-sourced", "Partner-influenced"]
    assert ["FY2025-Q3", "24,000", "0"] in rows
    assert len(rows) == 7


def test_csv_export_follows_the_filters_and_scope(client_for, cam, program):
    response = client_for(cam).get(url("chart_export", "bookings", period="FY2025"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["FY2025-Q3", "0", "0"] in rows, "Globex is not Casey's partner"
    bad = client_for(cam).get(url("chart_export", "bookings", period="soon"))
    assert bad.status_code == 400 and b"not a fiscal period" in bad.content
    assert client_for(cam).get(url("chart_export", "nonsense", period="FY2025")).status_code == 404


def test_the_program_summary_pdf_has_the_figures(client_for, ops, cam, program):
    response = client_for(ops).get(url("summary_pdf", period="FY2025"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in ("Program summary FY2025", "USD 34,000.00", "USD 29,400.00", "60.0 %", "2.75"):
        assert expected in text
    assert client_for(cam).get(url("summary_pdf", period="FY2025")).status_code == 403


def test_navigation_offers_analytics_to_ops_and_managers_only(client_for, ops, cam, acme_admin):
    link = f'href="{DASHBOARD}"'
    assert link in client_for(ops).get(reverse("home")).content.decode()
    assert link in client_for(cam).get(reverse("home")).content.decode()
    assert link not in client_for(acme_admin).get(reverse("home")).content.decode()


def test_the_dashboard_query_count_does_not_grow_with_partners(
    client_for, ops, program, django_assert_max_num_queries
):
    client = client_for(ops)
    client.get(DASHBOARD, {"period": "FY2025"})
    with django_assert_max_num_queries(40):
        client.get(DASHBOARD, {"period": "FY2025"})
