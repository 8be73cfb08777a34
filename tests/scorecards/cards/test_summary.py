"""The scorecard summary the quarterly business review PDF includes."""

from django.template.loader import render_to_string

from scorecards.cards import services
from scorecards.cards.selectors import scorecard_summary


def test_the_summary_gives_the_figures_and_renders_without_script(measured_partner, quarter):
    services.compute_scorecards([measured_partner], quarter.previous())
    services.compute_scorecards([measured_partner], quarter)
    summary = scorecard_summary(measured_partner, quarter.label)
    assert summary.found and str(summary.score) == "65.2" and summary.health == "amber"
    assert [p.quarter for p in summary.trend] == [quarter.previous().label, quarter.label]
    html = render_to_string("scorecards/cards/_summary.html", {"summary": summary})
    assert "65.2%" in html and "Green from 75%, amber from 50%" in html
    assert "Sourced bookings" in html and "USD 52,000.00" in html
    assert "<script" not in html and "style=" not in html


def test_a_quarter_without_scorecard_says_so(acme, quarter):
    summary = scorecard_summary(acme, quarter.label)
    assert not summary.found
    html = render_to_string("scorecards/cards/_summary.html", {"summary": summary})
    assert f"No scorecard was computed for {quarter.label}" in html
