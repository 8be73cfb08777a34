"""Program ops' overview: every work queue of the program in numbers, by area, each figure a
link to the page where that work is done and showing the same rows."""

import datetime as dt

import pytest
from django.utils import timezone

from deals.models import DealConflict, DealRegistration, Statement
from partners.models import Partner, TierRequirement
from scorecards.models import TierProposal
from scorecards.review import decisions, services
from scorecards.review.selectors import last_closed_quarter
from tests.deals.factories import DealFactory
from tests.factories import PartnerFactory, TierRequirementFactory

pytestmark = pytest.mark.django_db


def _figures(response) -> dict:
    return {
        str(figure.label): figure
        for group in response.context["health"]
        for figure in group.figures
    }


def test_figures_are_grouped_by_area(client_for, ops):
    groups = [str(group.title) for group in client_for(ops).get("/").context["health"]]
    assert groups == ["Partners", "Deals and leads", "Commissions and MDF", "Tiers"]


def test_every_linked_figure_opens_a_page_ops_can_use(client_for, ops, acme):
    client = client_for(ops)
    response = client.get("/")
    links = [f.url for f in _figures(response).values() if f.url]
    assert len(links) >= 15
    for url in links:
        if url.startswith("#"):  # a section of the overview itself
            assert f'id="{url[1:]}"' in response.content.decode()
            continue
        assert client.get(url).status_code == 200, url


def test_statements_to_approve_and_to_pay_are_counted_and_linked(client_for, ops, acme, globex):
    Statement.objects.create(partner=acme, period="FY2026-Q2", currency="USD")
    Statement.objects.create(partner=globex, period="FY2026-Q2", currency="EUR")
    Statement.objects.create(partner=acme, period="FY2026-Q1", currency="USD", status="approved")
    Statement.objects.create(partner=globex, period="FY2026-Q1", currency="USD", status="paid")
    client = client_for(ops)
    figures = _figures(client.get("/"))
    drafts = figures["Statements to approve"]
    approved = figures["Statements approved, not paid yet"]
    assert (drafts.value, approved.value) == (2, 1)
    listed = client.get(drafts.url).context["page_obj"].paginator.count
    assert listed == 2
    assert client.get(approved.url).context["page_obj"].paginator.count == 1


def test_registrations_past_due_are_a_warning_linked_to_the_breached_queue(
    client_for, ops, acme, acme_rep
):
    DealFactory(
        partner=acme,
        registered_by=acme_rep,
        status=DealRegistration.Status.SUBMITTED,
        customer_name="Late Corp",
        sla_due_at=timezone.now() - dt.timedelta(hours=2),
    )
    DealFactory(
        partner=acme,
        registered_by=acme_rep,
        status=DealRegistration.Status.SUBMITTED,
        customer_name="Early Corp",
        sla_due_at=timezone.now() + dt.timedelta(days=2),
    )
    client = client_for(ops)
    figures = _figures(client.get("/"))
    late = figures["Past their decision due time"]
    assert (late.value, late.warn) == (1, True)
    assert figures["Registrations waiting for a decision"].value == 2
    body = client.get(late.url).content.decode()
    assert "Late Corp" in body and "Early Corp" not in body


def test_open_conflicts_are_listed_under_the_figures(client_for, ops, acme, acme_rep):
    late = DealFactory(partner=acme, registered_by=acme_rep, customer_name="Second Corp")
    first = DealFactory(partner=acme, registered_by=acme_rep, customer_name="First Corp")
    DealConflict.objects.create(registration=late, existing_registration=first, score=90)
    response = client_for(ops).get("/")
    figure = _figures(response)["Open conflicts"]
    assert (figure.value, figure.warn, figure.url) == (1, True, "#conflicts")
    body = response.content.decode()
    assert 'id="conflicts"' in body and "Second Corp" in body and "First Corp" in body


def test_no_tier_review_yet_links_to_the_reviews(client_for, ops):
    figure = _figures(client_for(ops).get("/"))["Tier proposals waiting for a decision"]
    assert (figure.value, figure.url) == (0, "/scorecards/reviews/")


def test_tier_changes_waiting_leave_out_the_holds(client_for, ops, tiers):
    for name in ("Able", "Baker", "Cole", "Dale"):
        PartnerFactory(display_name=name, status=Partner.Status.ACTIVE, tier=tiers[0])
    quarter = last_closed_quarter(dt.date.today())
    review = services.run_review(
        services.start_review(quarter=quarter.label, actor=ops, queue=False).pk
    )
    able, baker, cole, dale = review.proposals.order_by("partner__display_name")
    A = TierProposal.Action
    TierProposal.objects.filter(pk__in=[able.pk, baker.pk]).update(action=A.PROMOTE)
    TierProposal.objects.filter(pk=cole.pk).update(action=A.DEMOTE)
    TierProposal.objects.filter(pk=dale.pk).update(action=A.HOLD)
    client = client_for(ops)
    figures = _figures(client.get("/"))
    for label, count in (("Promotions", 2), ("Demotions", 1)):
        figure = figures[f"{label} waiting for a decision ({review.quarter})"]
        assert figure.value == count
        assert client.get(figure.url).context["page_obj"].paginator.count == count


def test_tier_proposals_waiting_count_the_latest_review_and_link_to_them(client_for, ops, tiers):
    TierRequirementFactory(tier=tiers[0], metric=TierRequirement.Metric.CERTIFIED_SALES)
    for name in ("Able", "Baker", "Cole"):
        PartnerFactory(display_name=name, status=Partner.Status.ACTIVE, tier=tiers[0])
    quarter = last_closed_quarter(dt.date.today())
    review = services.run_review(
        services.start_review(quarter=quarter.label, actor=ops, queue=False).pk
    )
    review.proposals.update(action=TierProposal.Action.PROMOTE)
    decided = review.proposals.order_by("pk").first()
    decisions.decide_proposal(proposal=decided, actor=ops, approve=True)
    client = client_for(ops)
    label = f"Promotions waiting for a decision ({review.quarter})"
    figure = _figures(client.get("/"))[label]
    assert figure.value == 2
    listed = client.get(figure.url).context["page_obj"]
    assert listed.paginator.count == 2
    assert {p.decision for p in listed} == {TierProposal.Decision.PENDING}
