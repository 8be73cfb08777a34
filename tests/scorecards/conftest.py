import datetime as dt

import pytest

from enablement.models import Certification
from partners.models import Partner, TierRequirement
from scorecards.review.selectors import last_closed_quarter
from tests.factories import MembershipFactory, PartnerFactory, TierFactory, TierRequirementFactory

from .fixtures import certify

M = TierRequirement.Metric
Kind = Certification.Kind


@pytest.fixture
def quarter():
    """The last closed fiscal quarter: what a review started today measures."""
    return last_closed_quarter(dt.date.today())


@pytest.fixture
def program(db):
    """Three tiers shaped like the demo program: certification first, revenue one criterion."""
    registered = TierFactory(rank=1, name="Registered", benefits=["Deal registration"])
    silver = TierFactory(rank=2, name="Silver", benefits=["MDF at 1%"])
    gold = TierFactory(rank=3, name="Gold", benefits=["MDF at 2%", "Roadmap briefings"])
    TierRequirementFactory(tier=registered, metric=M.CERTIFIED_SALES, threshold=1, weight=3)
    for metric, threshold, weight in [
        (M.CERTIFIED_SALES, 2, 3),
        (M.CERTIFIED_TECHNICAL, 1, 3),
        (M.SOURCED_REVENUE, 50000, 1),
    ]:
        TierRequirementFactory(tier=silver, metric=metric, threshold=threshold, weight=weight)
    for metric, threshold, weight in [
        (M.CERTIFIED_SALES, 3, 3),
        (M.CERTIFIED_TECHNICAL, 2, 3),
        (M.CERTIFIED_DEVELOPERS, 2, 3),
        (M.SOURCED_REVENUE, 250000, 1),
    ]:
        TierRequirementFactory(tier=gold, metric=metric, threshold=threshold, weight=weight)
    return {"registered": registered, "silver": silver, "gold": gold}


@pytest.fixture
def make_partner(program, quarter):
    """``make_partner(tier, sales=, technical=, developers=)``: an active partner with an
    admin and that many people certified before the quarter under review started."""

    def make(tier=None, *, sales=0, technical=0, developers=0, name="Partner", cam=None):
        partner = PartnerFactory(
            display_name=name,
            tier=program[tier] if tier else None,
            status=Partner.Status.ACTIVE,
            channel_manager=cam,
        )
        MembershipFactory(partner=partner, role="admin")
        days = (dt.date.today() - quarter.start).days + 10
        people = ((Kind.SALES, sales), (Kind.TECHNICAL, technical), (Kind.DEVELOPER, developers))
        for kind, n in people:
            for _i in range(n):
                certify(partner, kind, days_ago=days)
        return partner

    return make


# The API fixtures, for the tier review API tests.
from tests.api.conftest import issue_key, key_client, session_for  # noqa: E402, F401
