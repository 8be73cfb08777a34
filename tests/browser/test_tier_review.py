"""The quarterly tier review in the browser: ops start it, watch its progress while a worker
runs it, approve and apply a promotion; the partner then sees its new tier and benefits."""

import datetime as dt

import pytest

from enablement.models import Certification
from partners.models import Partner, PartnerMembership, TierRequirement
from scorecards.models import TierReview
from scorecards.review import applying, services
from scorecards.review.selectors import last_closed_quarter
from tests.factories import MembershipFactory, PartnerFactory, TierFactory, TierRequirementFactory
from tests.scorecards.fixtures import certify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
M = TierRequirement.Metric


@pytest.fixture
def no_worker():
    """Tasks are queued, not run in the request: the test plays the worker."""
    from prm.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = before


def test_ops_run_the_review_and_the_partner_sees_its_promotion(login, ops, password, no_worker):
    registered = TierFactory(rank=1, name="Registered", benefits=["Deal registration"])
    gold = TierFactory(
        rank=2, name="Gold", benefits=["MDF at 2% of won revenue", "Roadmap briefings"]
    )
    TierRequirementFactory(tier=registered, metric=M.CERTIFIED_SALES, threshold=1, weight=3)
    TierRequirementFactory(tier=gold, metric=M.CERTIFIED_SALES, threshold=2, weight=3)
    TierRequirementFactory(tier=gold, metric=M.CERTIFIED_DEVELOPERS, threshold=1, weight=3)
    TierRequirementFactory(tier=gold, metric=M.SOURCED_REVENUE, threshold=100000, weight=1)
    partner = PartnerFactory(
        display_name="Nimbus Labs", tier=registered, status=Partner.Status.ACTIVE
    )
    admin = MembershipFactory(partner=partner, role=PartnerMembership.Role.ADMIN).user
    quarter = last_closed_quarter(dt.date.today())
    days = (dt.date.today() - quarter.start).days + 10
    for kind in (Certification.Kind.SALES, Certification.Kind.SALES, Certification.Kind.DEVELOPER):
        certify(partner, kind, days_ago=days)

    # Ops start the review; it waits for a worker, and the page shows its progress.
    page = login(ops)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/scorecards/reviews/")
    page.click("[data-testid=start-review-button]")
    page.wait_for_url("**/scorecards/reviews/*/")
    progress = page.locator("[data-testid=review-progress]")
    assert "Waiting for a worker" in progress.inner_text()
    assert "0 of 1 partners" in page.locator("[data-testid=review-counts]").inner_text()

    # The worker runs it; the page follows by itself and lists the proposal.
    review = TierReview.objects.get()
    services.run_review(review.pk)
    row = page.locator("[data-testid=proposal-row]", has_text="Nimbus Labs")
    row.wait_for(timeout=15_000)
    assert row.get_attribute("data-action") == "promote"
    assert (
        "1 of 1 partners: 1 to promote" in page.locator("[data-testid=review-counts]").inner_text()
    )

    # Ops approve the promotion and apply it.
    row.get_by_role("link", name="Nimbus Labs").click()
    page.wait_for_url("**/scorecards/proposals/*/")
    assert "Meets Gold" in page.locator("[data-testid=reasons]").inner_text()
    page.check("input[name=decide-op][value=approve]")
    page.click("[data-testid=decide-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=decision]").inner_text() == "Approved"
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=apply-submit]")
    page.wait_for_load_state("networkidle")
    assert "Applied, effective" in page.content()
    assert violations == []

    # The partner sees the new tier and its benefits.
    page = login(admin)
    page.goto("/")
    assert page.locator("[data-testid=partner-tier]").inner_text() == "Gold"
    assert "Roadmap briefings" in page.content()
    partner.refresh_from_db()
    assert partner.tier == gold


def test_ops_apply_every_promotion_at_once_and_watch_the_job(login, ops, no_worker):
    registered = TierFactory(rank=1, name="Registered", benefits=["Deal registration"])
    silver = TierFactory(rank=2, name="Silver", benefits=["MDF at 1% of won revenue"])
    TierRequirementFactory(tier=registered, metric=M.CERTIFIED_SALES, threshold=1, weight=3)
    TierRequirementFactory(tier=silver, metric=M.CERTIFIED_SALES, threshold=2, weight=3)
    quarter = last_closed_quarter(dt.date.today())
    days = (dt.date.today() - quarter.start).days + 10
    partners = []
    for name in ("Alder Systems", "Juniper Cloud", "Rowan Data"):
        partner = PartnerFactory(display_name=name, tier=registered, status=Partner.Status.ACTIVE)
        certify(partner, Certification.Kind.SALES, days_ago=days)
        certify(partner, Certification.Kind.SALES, days_ago=days)
        partners.append(partner)
    review = services.run_review(
        services.start_review(quarter=quarter.label, actor=ops, queue=False).pk
    )

    page = login(ops)
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.goto(review.get_absolute_url() + "?action=promote")
    # Approve every promotion the filter shows, then apply them all in one go.
    page.select_option("select[name=op]", "approve")
    page.check("input[name=all_matching]")
    page.click("[data-testid=bulk-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=pending-count]").inner_text() == "0"
    assert page.url.endswith("?action=promote")  # back to the filtered list
    page.select_option("select[name=op]", "apply")
    page.check("input[name=all_matching]")
    page.click("[data-testid=bulk-submit]")
    page.wait_for_load_state("networkidle")
    panel = page.locator("[data-testid=application-progress]")
    assert asked[0] == "Record this for every selected proposal?"
    assert asked[1].startswith("Apply the selected decided proposals?")
    assert "Applying 3 proposal(s) in the background" in page.content()
    assert "waiting for a worker" in panel.inner_text()
    assert "0 of 3 proposals" in page.locator("[data-testid=application-counts]").inner_text()

    # The worker runs the job; the page follows by itself and, once it is over, reloads to show
    # the proposals applied.
    applying.run_application(review.applications.get().pk)
    page.locator("[data-testid=applied-count]", has_text="3").wait_for(timeout=15_000)
    assert "The proposals are applied." in panel.inner_text()
    counts = page.locator("[data-testid=application-counts]").inner_text()
    assert "3 of 3 proposals: 3 applied, 0 left as they were" in counts
    assert {p.tier for p in Partner.objects.filter(pk__in=[p.pk for p in partners])} == {silver}
