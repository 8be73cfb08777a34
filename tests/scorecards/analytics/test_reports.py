"""The quarterly business review PDF: who may read it and what it says."""

from decimal import Decimal

import pytest
from django.urls import reverse

from enablement.models import JointBusinessPlan, PlanTarget
from partners.models import TierRequirement
from scorecards.analytics import reports
from tests.factories import TierRequirementFactory
from tests.pdf_text import pdf_text

pytestmark = pytest.mark.django_db
M = PlanTarget.Metric


def review_url(partner, quarter="FY2025-Q2"):
    url = reverse("scorecards:analytics:business_review_pdf", args=[partner.pk])
    return f"{url}?quarter={quarter}"


@pytest.fixture
def plan(program, acme, ops):
    """Acme's approved FY2025 plan. By the end of Q2 it has won 15,500 (10,000 + 5,500),
    registered 3 deals and certified 2 people."""
    plan = JointBusinessPlan.objects.create(
        partner=acme, fiscal_year=2025, status=JointBusinessPlan.Status.APPROVED,
        title="Grow the mid-market", currency="USD", created_by=ops,
    )  # fmt: skip
    for metric, value in [
        (M.CLOSED_WON, "20000"),
        (M.REGISTERED_DEALS, "5"),
        (M.CERTIFIED_PEOPLE, "4"),
        (M.CO_MARKETING, "2"),
    ]:
        PlanTarget.objects.create(
            plan=plan, metric=metric, target_value=Decimal(value), owner="Acme", due_quarter=4
        )
    return plan


@pytest.fixture
def silver_needs_developers(tiers):
    TierRequirementFactory(
        tier=tiers[1], metric=TierRequirement.Metric.CERTIFIED_DEVELOPERS, threshold=2
    )


def test_plan_versus_actual_to_the_end_of_the_quarter(plan, acme):
    from prm.periods import parse_period
    from scorecards.analytics import selectors

    quarter = parse_period("FY2025-Q2")
    analytics = selectors.partner_analytics(acme, quarter)
    _plan, lines = reports.plan_versus_actual(acme, quarter, analytics)
    by_metric = {line.target.metric: line for line in lines}
    assert by_metric[M.CLOSED_WON].actual.amount == Decimal("15500.00")
    assert by_metric[M.CLOSED_WON].percent == Decimal("77.5")
    assert (by_metric[M.REGISTERED_DEALS].actual, by_metric[M.REGISTERED_DEALS].percent) == (
        3,
        Decimal("60.0"),
    )
    assert by_metric[M.CERTIFIED_PEOPLE].actual == 2
    assert not by_metric[M.CO_MARKETING].measured


def test_the_review_pdf_has_tier_progress_plan_mdf_and_trends(
    client_for, acme_admin, acme, plan, silver_needs_developers
):
    response = client_for(acme_admin).get(review_url(acme))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "Quarterly business review FY2025-Q2",
        "Next tier: Silver",
        "Certified developers",
        "Grow the mid-market",
        "USD 15,500.00",  # closed-won to date
        "77.5",
        "not measured in the portal",
        "USD 5,500.00",  # the quarter's influenced bookings
        "USD 2,000.00",  # MDF paid in the quarter
        "Won bookings by quarter",
    ):
        assert expected in text, expected
    assert "No scorecard was computed for FY2025-Q2" in text


def test_the_review_pdf_writes_a_revenue_requirement_as_money(client_for, acme_admin, acme, tiers):
    TierRequirementFactory(
        tier=tiers[1], metric=TierRequirement.Metric.SOURCED_REVENUE, threshold=250000
    )
    text = pdf_text(client_for(acme_admin).get(review_url(acme)).content)
    row = text.split("Partner-sourced revenue, last 12 months", 1)[1]
    assert row.startswith(" USD 0.00 USD 250,000.00 no"), row[:60]


def test_the_review_pdf_shows_the_quarters_commissions(client_for, cam, acme, program):
    text = pdf_text(client_for(cam).get(review_url(acme, "FY2025-Q1")).content)
    assert "USD 1,500.00" in text and "approved" in text
    assert "USD 999.00" not in text, "reversed lines are left out"


def test_the_review_carries_the_quarters_scorecard(acme, program):
    from prm.periods import parse_period
    from scorecards.cards.models import Scorecard

    quarter = parse_period("FY2025-Q2")
    html = reports.business_review_html(acme, quarter)
    assert "No scorecard was computed for FY2025-Q2" in html
    Scorecard.objects.create(
        partner=acme,
        quarter=quarter.label,
        period_start=quarter.start,
        period_end=quarter.end,
        score=Decimal("71.5"),
        health="green",
        green_from=70,
        amber_from=50,
        template_name="Default",
        criteria=[],
    )
    html = reports.business_review_html(acme, quarter)
    assert "71.5%" in html and "Green from 70%" in html


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("ops", 200),
        ("cam", 200),
        ("acme_admin", 200),
        ("acme_rep", 403),
        ("globex_admin", 404),
        ("other_cam", 404),
    ],
)
def test_who_may_read_a_partners_review(client_for, request, acme, program, persona, status):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(review_url(acme)).status_code == status


def test_a_review_needs_a_quarter(client_for, ops, acme, program):
    for bad in ("FY2025", "Q9", "FY2025-Q7"):
        response = client_for(ops).get(review_url(acme, bad))
        assert response.status_code == 400


def test_the_list_of_reviews_is_scoped(
    client_for, acme_admin, acme_rep, cam, globex, acme, program
):
    page = reverse("scorecards:analytics:business_reviews")
    mine = client_for(acme_admin).get(page, {"quarter": "FY2025-Q2"}).content.decode()
    assert f'data-testid="review-pdf-{acme.pk}"' in mine
    assert f'data-testid="review-pdf-{globex.pk}"' not in mine
    managed = client_for(cam).get(page).content.decode()
    assert f'data-testid="review-pdf-{acme.pk}"' in managed
    assert f'data-testid="review-pdf-{globex.pk}"' not in managed
    assert client_for(acme_rep).get(page).status_code == 403
    assert client_for(cam).get(page, {"quarter": "later"}).status_code == 400
    assert client_for(cam).get(page, {"page": "2", "q": "Ac"}).status_code == 200
