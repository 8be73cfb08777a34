"""Tiers and their requirements in the portal: audited with before and after, invalid ladders
and requirement lists refused, and a preview of how many partners would meet each tier."""

from decimal import Decimal

import pytest
from django.urls import reverse

from partners.models import Tier, TierRequirement
from partners.program.services import ProgramConfigError, RequirementRow, delete_tier, save_tier
from prm.audit import events_for
from tests.enablement.factories import CertificationFactory, PersonCertificationFactory
from tests.factories import PartnerFactory, TierRequirementFactory

pytestmark = pytest.mark.django_db
SALES = TierRequirement.Metric.CERTIFIED_SALES


def _form(**overrides):
    data = {
        "name": "Silver",
        "rank": 2,
        "description": "",
        "benefits": "Deal registration\nMDF",
        "mdf_accrual_percent": "2",
        "commission_multiplier": "1.000",
        "req-TOTAL_FORMS": 2,
        "req-INITIAL_FORMS": 0,
        "req-0-metric": SALES,
        "req-0-threshold": "2",
        "req-0-weight": 3,
        "req-0-position": 0,
        "req-1-metric": "",
        "req-1-threshold": "",
        "req-1-weight": 1,
        "req-1-position": 0,
    }
    return {**data, **overrides}


@pytest.fixture
def certified(tiers):
    """Three partners with 0, 1 and 3 certified sales people."""
    sales = CertificationFactory(code="sales-pro")
    partners = []
    for n, people in enumerate([0, 1, 3]):
        partner = PartnerFactory(display_name=f"P{n}", tier=tiers[0])
        for _i in range(people):
            PersonCertificationFactory(partner=partner, certification=sales)
        partners.append(partner)
    return partners


def test_ops_edit_a_tier_and_its_requirements_with_before_and_after(client_for, ops, tiers):
    silver = tiers[1]
    TierRequirementFactory(tier=silver, metric=SALES, threshold=1)
    response = client_for(ops).post(reverse("program:tier_edit", args=[silver.pk]), _form())
    assert response.status_code == 302
    silver.refresh_from_db()
    assert silver.benefits == ["Deal registration", "MDF"]
    requirement = silver.requirements.get()
    assert (requirement.threshold, requirement.weight) == (Decimal(2), 3)
    changes = events_for(silver).get(verb="tier.changed").data["changes"]
    assert changes["benefits"] == {"before": [], "after": ["Deal registration", "MDF"]}
    assert changes["requirements"] == {
        "before": ["certified_sales ≥ 1 (weight 1, order 0)"],
        "after": ["certified_sales ≥ 2 (weight 3, order 0)"],
    }
    page = client_for(ops).get(reverse("program:tier_edit", args=[silver.pk])).content.decode()
    assert "certified_sales ≥ 2 (weight 3, order 0)" in page


def test_a_repeated_metric_is_refused_on_the_requirements(client_for, ops, tiers):
    data = _form(**{"req-1-metric": SALES, "req-1-threshold": "4"})
    response = client_for(ops).post(reverse("program:tier_edit", args=[tiers[1].pk]), data)
    assert response.status_code == 200
    assert "Each metric may appear once per tier" in str(
        response.context["formset"].non_form_errors()
    )
    assert not tiers[1].requirements.exists()
    assert not events_for(tiers[1]).exists()


def test_a_higher_tier_cannot_earn_less_than_a_lower_one(client_for, ops, tiers):
    data = _form(commission_multiplier="0.500")
    response = client_for(ops).post(reverse("program:tier_edit", args=[tiers[1].pk]), data)
    assert response.status_code == 200
    errors = response.context["form"].errors["commission_multiplier"]
    assert "cannot be lower than that of Registered" in errors[0]


def test_a_fractional_count_and_a_taken_rank_are_refused(ops, tiers):
    with pytest.raises(ProgramConfigError) as caught:
        save_tier(
            actor=ops,
            name="Platinum",
            rank=3,
            mdf_accrual_rate=Decimal("0.03"),
            commission_multiplier=Decimal("1.2"),
            requirements=[RequirementRow(SALES, Decimal("1.5"))],
        )
    assert "whole numbers" in caught.value.details["requirements"]
    assert "rank" in caught.value.details
    assert not Tier.objects.filter(name="Platinum").exists()


def test_a_new_tier_is_created_and_audited(client_for, ops, tiers):
    data = _form(name="Platinum", rank=4, mdf_accrual_percent="3", commission_multiplier="1.2")
    response = client_for(ops).post(reverse("program:tier_create"), data)
    assert response.status_code == 302
    platinum = Tier.objects.get(name="Platinum")
    assert platinum.mdf_accrual_rate == Decimal("0.0300")  # entered as 3 %
    event = events_for(platinum).get()
    assert (event.verb, event.actor) == ("tier.created", ops)
    assert event.data["changes"]["rank"] == {"before": None, "after": 4}


def test_the_preview_counts_partners_meeting_each_tier_under_the_edited_requirements(
    client_for, ops, tiers, certified
):
    silver = tiers[1]
    TierRequirementFactory(tier=tiers[2], metric=SALES, threshold=3)  # Gold: 3 people
    url = reverse("program:tier_preview", args=[silver.pk])
    response = client_for(ops).post(url, _form(**{"req-0-threshold": "1"}), HTTP_HX_REQUEST="true")
    counts = {row.tier.name: (row.edited, row.would_meet) for row in response.context["preview"]}
    # Registered has no requirements: every active partner (P0, P1, P2) meets it.
    assert counts == {"Registered": (False, 3), "Silver": (True, 2), "Gold": (False, 1)}
    assert b'data-testid="tier-preview"' in response.content
    response = client_for(ops).post(url, _form(**{"req-0-threshold": "2"}))
    edited = next(row for row in response.context["preview"] if row.edited)
    assert edited.would_meet == 1
    # Nothing was saved by the preview.
    assert not silver.requirements.exists()
    assert not events_for(silver).exists()


def test_the_preview_of_a_new_tier(client_for, ops, tiers, certified):
    data = _form(name="Platinum", rank=4, **{"req-0-threshold": "3"})
    response = client_for(ops).post(reverse("program:tier_preview_new"), data)
    edited = next(row for row in response.context["preview"] if row.edited)
    assert (edited.tier.name, edited.would_meet, edited.current_partners) == ("Platinum", 1, 0)


def test_a_tier_with_partners_cannot_be_removed(ops, acme, tiers):
    with pytest.raises(ProgramConfigError, match="Partners are in this tier"):
        delete_tier(actor=ops, tier=tiers[0])
    assert Tier.objects.filter(pk=tiers[0].pk).exists()


def test_an_unused_tier_is_removed_and_audited(client_for, ops, tiers):
    spare = Tier.objects.create(name="Spare", rank=9, mdf_accrual_rate=1, commission_multiplier=5)
    response = client_for(ops).post(reverse("program:tier_delete", args=[spare.pk]))
    assert response.status_code == 302
    assert not Tier.objects.filter(pk=spare.pk).exists()
    assert events_for(spare).get().verb == "tier.deleted"
