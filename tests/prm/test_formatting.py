"""One date format and one date-and-time format everywhere, and the page furniture around them."""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone

from prm.formatting import format_date, format_datetime


def render(text: str, **context) -> str:
    return Template(text).render(Context(context))


def test_a_date_reads_iso():
    assert format_date(dt.date(2026, 3, 5)) == "2026-03-05"


def test_a_moment_is_shown_in_the_active_time_zone_with_its_name():
    moment = dt.datetime(2026, 3, 5, 23, 30, tzinfo=dt.UTC)
    assert format_datetime(moment) == "2026-03-05 23:30 UTC"
    with timezone.override(ZoneInfo("Europe/Berlin")):
        assert format_datetime(moment) == "2026-03-06 00:30 CET"
        # The date of a moment is the local calendar day.
        assert format_date(moment) == "2026-03-06"


def test_nothing_renders_as_nothing_and_a_bare_date_stays_a_date():
    assert format_date(None) == "" and format_datetime(None) == ""
    assert format_datetime(dt.date(2026, 1, 2)) == "2026-01-02"


def test_the_filters_are_built_in_for_every_template():
    moment = dt.datetime(2026, 7, 1, 8, 5, tzinfo=dt.UTC)
    assert render("{{ d|as_date }} · {{ m|as_datetime }}", d=moment.date(), m=moment) == (
        "2026-07-01 · 2026-07-01 08:05 UTC"
    )
    assert render('{{ d|as_date|default:"—" }}', d=None) == "—"


def test_no_template_formats_a_full_date_on_its_own():
    """Only the month label ``Y-m`` (a ledger's accrual month) keeps Django's date filter."""
    templates = Path(settings.BASE_DIR) / "templates"
    offenders = []
    for path in templates.rglob("*"):
        if path.suffix not in {".html", ".txt", ".svg"}:
            continue
        for match in re.finditer(r"\|date(?::(['\"])(.*?)\1)?", path.read_text()):
            if match.group(2) != "Y-m":
                offenders.append(f"{path.relative_to(templates)}: {match.group(0)}")
    assert offenders == []


@pytest.mark.django_db
def test_pages_link_a_favicon_and_the_browser_default_path_finds_it(client, acme_rep):
    client.force_login(acme_rep)
    body = client.get("/").content.decode()
    assert 'rel="icon"' in body and "favicon.svg" in body
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith("img/favicon.ico")
    assert (Path(settings.BASE_DIR) / "static/img/favicon.ico").read_bytes()[:4] == b"\0\0\1\0"


def test_tables_scroll_inside_their_card_at_phone_width():
    css = (Path(settings.BASE_DIR) / "static/css/prm.css").read_text()
    phone = re.search(r"@media \(max-width: 720px\) \{(.*?)\n\}", css, re.S)
    assert phone, "no phone-width rules"
    assert re.search(r"table \{[^}]*display: block;[^}]*overflow-x: auto", phone.group(1))


def test_a_country_is_written_by_name_and_a_narrow_column_names_its_code_on_hover():
    assert render("{{ code|country }}", code="GB") == "United Kingdom"
    assert render("{{ code|country }}", code="KR") == "South Korea"
    # Not a country (an old record): the code as stored, never an error.
    assert render("{{ code|country }}", code="XX") == "XX"
    assert render("{{ code|country|default:'—' }}", code="") == "—"
    assert render("{{ code|country_code }}", code="DE") == '<abbr title="Germany">DE</abbr>'
    assert render("{{ code|country_code }}", code=None) == ""
