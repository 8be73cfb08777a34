"""Scorecard pages: who sees which scorecard, ratings on the page, the focus view, template
editing and the computation page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from prm.models import AuditEvent
from scorecards.cards import services
from scorecards.cards.criteria import Criterion
from scorecards.cards.models import Scorecard, ScorecardRun, ScorecardTemplate
from tests.factories import QualificationFactory

C = Criterion


@pytest.fixture
def cards(acme, globex, quarter):
    """Acme (Casey's partner) and Globex (Olive's partner) scorecards for the quarter."""
    services.compute_scorecards([acme, globex], quarter)
    return {c.partner_id: c for c in Scorecard.objects.filter(quarter=quarter.label)}


@pytest.mark.parametrize(
    "who, sees_acme, sees_globex",
    [
        ("ops", True, True),
        ("cam", True, False),
        ("other_cam", False, True),
        ("acme_admin", True, False),
        ("acme_rep", True, False),
        ("globex_admin", False, True),
        ("distri_admin", False, False),  # a distributor does not see its resellers' scorecards
    ],
)
def test_scorecard_tenancy(client_for, personas, cards, acme, globex, who, sees_acme, sees_globex):
    client = client_for(personas[who])
    for partner, sees in ((acme, sees_acme), (globex, sees_globex)):
        response = client.get(reverse("scorecards:card_detail", args=[cards[partner.pk].pk]))
        assert response.status_code == (200 if sees else 404)
    listing = client.get(reverse("scorecards:card_list")).content.decode()
    assert ("Acme" in listing) == sees_acme
    assert ("Globex" in listing) == sees_globex


def test_the_partner_sees_its_scorecard_with_thresholds_and_obligations(
    client_for, acme_rep, cards, acme
):
    page = client_for(acme_rep).get(reverse("scorecards:card_detail", args=[cards[acme.pk].pk]))
    text = page.content.decode()
    assert "Green from 75%, amber from 50%" in text
    assert "Our obligations to the partner" in text
    assert 'data-testid="rating-form"' not in text


def test_the_cam_rates_on_the_page(client_for, cam, cards, acme):
    card = cards[acme.pk]
    url = reverse("scorecards:card_detail", args=[card.pk])
    client = client_for(cam)
    assert 'data-testid="rating-form"' in client.get(url).content.decode()
    response = client.post(
        url, {"criterion": C.CUSTOMER_SATISFACTION, "rating": "4", "note": "Good renewals"}
    )
    assert response.status_code == 302
    card.refresh_from_db()
    row = next(r for r in card.criteria if r["criterion"] == C.CUSTOMER_SATISFACTION)
    assert (row["value"], row["note"]) == (4, "Good renewals")
    history = client.get(url).content.decode()
    assert "rated Customer satisfaction 4 / 5: Good renewals" in history


def test_a_rating_without_a_note_is_refused_with_an_error(client_for, cam, cards, acme):
    url = reverse("scorecards:card_detail", args=[cards[acme.pk].pk])
    response = client_for(cam).post(url, {"criterion": C.CUSTOMER_SATISFACTION, "rating": "4"})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


@pytest.mark.parametrize("who", ["ops", "acme_admin"])
def test_others_cannot_rate_on_the_page(client_for, personas, cards, acme, who):
    url = reverse("scorecards:card_detail", args=[cards[acme.pk].pk])
    response = client_for(personas[who]).post(
        url, {"criterion": C.CUSTOMER_SATISFACTION, "rating": "4", "note": "x"}
    )
    assert response.status_code == 403


def test_the_focus_view_places_the_cams_partners(client_for, cam, acme, distri, globex, cards):
    QualificationFactory(partner=acme, scale=5, skill=5, will=4, assessed_by=cam)  # 100: high
    response = client_for(cam).get(reverse("scorecards:focus"))
    assert response.status_code == 200
    grid = response.context["grid"]
    placed = {
        p.display_name: (cell.potential, cell.health)
        for row in grid
        for cell in row
        for p in cell.partners
    }
    assert placed["Acme"] == ("high", cards[acme.pk].health)
    assert placed["Distri"][0] == "unassessed"
    assert "Globex" not in placed
    assert reverse("scorecards:card_detail", args=[cards[acme.pk].pk]) in response.content.decode()


def test_an_assessed_partner_without_a_scorecard_is_linked_with_what_to_do(
    client_for, cam, acme, distri, cards
):
    QualificationFactory(partner=distri, scale=2, skill=2, will=2, assessed_by=cam)  # 8: low
    response = client_for(cam).get(reverse("scorecards:focus"))
    cells = {
        (cell.potential, cell.health): cell for row in response.context["grid"] for cell in row
    }
    no_data = cells[("low", "unknown")]
    assert [p.display_name for p in no_data.partners] == ["Distri"]
    assert str(no_data.advice).startswith("Complete the scorecard")
    assert str(cells[("unassessed", "unknown")].advice) == "Assess Scale, Skill and Will"
    assert f'href="{distri.get_absolute_url()}"' in response.content.decode()


@pytest.mark.parametrize("who", ["acme_admin", "acme_rep"])
def test_partners_have_no_focus_view(client_for, personas, who):
    assert client_for(personas[who]).get(reverse("scorecards:focus")).status_code == 403


@pytest.mark.parametrize("who", ["cam", "acme_admin"])
def test_only_ops_reach_templates_and_runs(client_for, personas, who):
    client = client_for(personas[who])
    for name in ("scorecards:template_list", "scorecards:template_new", "scorecards:card_runs"):
        assert client.get(reverse(name)).status_code == 403


def _template_post(**overrides) -> dict:
    data = {
        "name": "MSP scorecard",
        "business_model": "msp",
        "green_from": "70",
        "amber_from": "45",
    }
    for key in C.values:
        data.update({f"{key}-source": "rated", f"{key}-weight": "", f"{key}-target": ""})
    data.update(
        {
            "sales_expertise-use": "on",
            "sales_expertise-source": "computed",
            "sales_expertise-weight": "3",
            "sales_expertise-target": "4",
        }
    )
    data.update(overrides)
    return data


def test_ops_create_a_template_in_the_portal(client_for, ops):
    response = client_for(ops).post(reverse("scorecards:template_new"), _template_post())
    assert response.status_code == 302
    template = ScorecardTemplate.objects.get(name="MSP scorecard")
    row = template.criteria.get()
    assert (row.criterion, row.weight, row.target) == ("sales_expertise", 3, Decimal("4.00"))
    assert AuditEvent.objects.filter(verb="scorecard_template.created", actor=ops).exists()


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({"amber_from": "80"}, "Amber must start below green"),
        ({"sales_expertise-target": ""}, "Give the value that earns full marks"),
        ({"sales_expertise-weight": "0"}, "greater than or equal to 1"),
        (
            {
                "customer_satisfaction-use": "on",
                "customer_satisfaction-source": "computed",
                "customer_satisfaction-weight": "2",
            },
            "Not measured from the data",
        ),
        ({"sales_expertise-use": ""}, "Use at least one criterion"),
    ],
)
def test_template_form_errors_are_clear(client_for, ops, overrides, error):
    response = client_for(ops).post(reverse("scorecards:template_new"), _template_post(**overrides))
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not ScorecardTemplate.objects.filter(name="MSP scorecard").exists()


def test_ops_start_a_computation_and_see_its_progress(
    client_for, ops, quarter, acme, django_capture_on_commit_callbacks
):
    client = client_for(ops)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scorecards:card_runs"), {"quarter": quarter.label[2:]})
    run = ScorecardRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    # Tests run Celery eagerly: the run finished on commit.
    run.refresh_from_db()
    assert run.status == "done"
    page = client.get(reverse("scorecards:card_run_progress", args=[run.pk])).content.decode()
    assert "<progress" in page
    assert Scorecard.objects.filter(quarter=quarter.label, partner=acme).exists()


def test_a_bad_quarter_is_a_form_error(client_for, ops):
    response = client_for(ops).post(reverse("scorecards:card_runs"), {"quarter": "soon"})
    assert response.status_code == 400
    assert "is not a fiscal quarter: enter one such as 2027-Q1" in response.content.decode()


def test_the_list_query_count_does_not_grow_with_rows(
    client_for, ops, acme, globex, distri, quarter, django_assert_max_num_queries
):
    services.compute_scorecards([acme], quarter)
    client = client_for(ops)
    client.get(reverse("scorecards:card_list"))
    services.compute_scorecards([globex, distri], quarter)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("scorecards:card_list")).status_code == 200


def test_the_score_by_quarter_is_drawn_once_there_are_two_quarters(
    client_for, cam, measured_partner, quarter
):
    from scorecards.cards.models import Scorecard

    services.compute_scorecards([measured_partner], quarter.previous())
    first = Scorecard.objects.get(partner=measured_partner, quarter=quarter.previous().label)
    page = client_for(cam).get(reverse("scorecards:card_detail", args=[first.pk]))
    assert 'data-testid="scorecard-trend-chart"' not in page.content.decode()  # one point

    services.compute_scorecards([measured_partner], quarter)
    card = Scorecard.objects.get(partner=measured_partner, quarter=quarter.label)
    response = client_for(cam).get(reverse("scorecards:card_detail", args=[card.pk]))
    body = response.content.decode()
    chart = body[body.index('data-testid="scorecard-trend-chart"') :]
    assert "<svg" in chart and "Score by quarter" in chart
    assert quarter.previous().label in chart and quarter.label in chart
    assert "<script" not in chart
