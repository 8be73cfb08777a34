"""A partner admin sees the team's certifications, what is expiring and what the next tier
needs."""

import datetime as dt

import pytest

from enablement.models import Certification, PersonCertification
from partners.models import TierRequirement
from tests.enablement.factories import CertificationFactory, PersonCertificationFactory
from tests.factories import OfficeFactory, TierRequirementFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_partner_admin_sees_the_team_what_expires_and_what_the_next_tier_needs(
    login, acme, acme_admin, acme_rep, tiers
):
    TierRequirementFactory(tier=tiers[0], metric=TierRequirement.Metric.CERTIFIED_SALES)
    TierRequirementFactory(
        tier=tiers[1], metric=TierRequirement.Metric.CERTIFIED_DEVELOPERS, threshold=2
    )
    TierRequirementFactory(tier=tiers[1], metric=TierRequirement.Metric.CERTIFIED_PER_OFFICE)
    OfficeFactory(partner=acme, name="Lyon", region="EMEA")
    today = dt.date.today()
    sales = CertificationFactory(code="sales-pro", name="Sales Professional", kind="sales")
    developer = CertificationFactory(
        code="dev-pro", name="Integration Developer", kind=Certification.Kind.DEVELOPER
    )
    PersonCertificationFactory(user=acme_admin, partner=acme, certification=sales)
    PersonCertificationFactory(
        user=acme_rep,
        partner=acme,
        certification=developer,
        earned_on=today - dt.timedelta(days=700),
        status=PersonCertification.Status.EXPIRING,
    )

    page = login(acme_admin)
    page.get_by_role("button", name="Enablement").click()  # opens the menu
    page.get_by_role("link", name="Where we stand").click()

    assert page.locator("[data-testid=standing-title]").inner_text() == "Where Acme stands"
    assert page.locator("[data-testid=expiring-count]").inner_text() == "1"
    expiring = page.locator("[data-testid=team-row][data-status=expiring]")
    assert "Rex Rep" in expiring.inner_text()
    assert "Integration Developer" in expiring.inner_text()
    assert page.locator("[data-testid=team-row]").count() == 2

    current = page.locator("[data-testid=standing-current]")
    assert "Current tier: Registered" in current.inner_text()
    assert "all requirements met" in current.inner_text()
    upcoming = page.locator("[data-testid=standing-next]")
    assert "Next tier: Silver" in upcoming.inner_text()
    assert "1 more certified developer" in upcoming.inner_text()
    assert "no certified person in office Lyon" in upcoming.inner_text()
