"""Scorecards in the browser: a channel account manager opens the focus view, opens a
partner's scorecard and rates a criterion; the partner then sees its scorecard and the note."""

import pytest

from scorecards.cards import services
from scorecards.cards.models import Scorecard
from tests.factories import QualificationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_cam_rates_from_the_focus_view_and_the_partner_sees_it(
    login, cam, acme, acme_admin, globex
):
    QualificationFactory(partner=acme, scale=5, skill=4, will=4, assessed_by=cam)
    quarter = services.current_quarter().previous()
    services.compute_scorecards([acme, globex], quarter)
    card = Scorecard.objects.get(partner=acme, quarter=quarter.label)

    page = login(cam)
    page.goto("/scorecards/focus/")
    grid = page.get_by_test_id("focus-grid")
    assert "Globex" not in grid.inner_text()
    grid.locator('[data-potential="high"]').get_by_role("link", name="Acme").click()
    page.wait_for_url(f"**/scorecards/cards/{card.pk}/")
    form = page.get_by_test_id("rating-form")
    form.locator("select[name=criterion]").select_option("customer_satisfaction")
    form.locator("select[name=rating]").select_option("5")
    form.locator("textarea[name=note]").fill("Glowing renewal feedback")
    page.get_by_test_id("rating-submit").click()
    page.wait_for_load_state("networkidle")
    assert "Rating recorded." in page.content()
    row = page.locator('tr[data-criterion="customer_satisfaction"]')
    assert "5 / 5" in row.inner_text()

    page = login(acme_admin)
    page.goto("/scorecards/cards/")
    page.get_by_test_id("scorecard-list").get_by_role("link", name="Acme").click()
    summary = page.get_by_test_id("scorecard-summary")
    assert "Glowing renewal feedback" in summary.inner_text()
    assert "Green from 75%" in page.get_by_test_id("scorecard-thresholds").inner_text()
    assert page.get_by_test_id("rating-form").count() == 0
