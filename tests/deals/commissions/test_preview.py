"""The registration form's preview: what the deal being typed would earn, partner-led versus
vendor-assisted, under the plan in force today and the partner's tier multiplier."""

from decimal import Decimal

import pytest
from django.urls import reverse

from deals.commissions import plans
from deals.commissions.selectors import preview_registration
from deals.models import CommissionRule, DealRegistration
from partners.models import CompensationPreference
from tests.deals.factories import DealFactory

Kind = CommissionRule.Kind


@pytest.fixture
def referral_plan(plan, ops, acme):
    """A referral program: 20 % partner-led, 3.5 % vendor-assisted, a flat fee for "Edge"
    (first by priority)."""
    acme.compensation_preference = CompensationPreference.ONE_TIME_FEE
    acme.save()
    for name, engagement, rate in (
        ("Referral, partner-led", "partner_led", "20"),
        ("Referral, vendor-assisted", "vendor_assisted", "3.5"),
    ):
        plans.save_rule(actor=ops, plan=plan, name=name, kind=Kind.ONE_TIME_FEE,
                        engagement=engagement, rate=Decimal(rate),
                        floor_rate=Decimal("1"))  # fmt: skip
    plans.save_rule(actor=ops, plan=plan, name="Edge referral", kind=Kind.ONE_TIME_FEE,
                    product_line="Edge", amount=Decimal("750"), currency="USD",
                    priority=10)  # fmt: skip
    return plan


def preview(client, **params):
    return client.get(reverse("deals:commission_preview"), params)


def amounts(response) -> dict:
    ctx = response.context
    return {p.engagement: (p.amount, p.currency, p.rule and p.rule.name) for p in ctx["previews"]}


def test_partner_led_earns_more_than_vendor_assisted(referral_plan, client_for, acme_rep):
    response = preview(client_for(acme_rep), estimated_amount="10,000", currency="EUR",
                       sourcing="sourced", product_lines="")  # fmt: skip
    assert response.status_code == 200
    assert amounts(response) == {
        "partner_led": (Decimal("2000.00"), "EUR", "Referral, partner-led"),
        "vendor_assisted": (Decimal("350.00"), "EUR", "Referral, vendor-assisted"),
    }
    page = response.content.decode()
    assert "EUR 2,000.00" in page and "EUR 350.00" in page


def test_the_preview_follows_the_product_line_and_the_tier_multiplier(
    referral_plan, client_for, acme_rep, acme
):
    acme.tier.commission_multiplier = Decimal("1.5")
    acme.tier.save()
    response = preview(client_for(acme_rep), estimated_amount="10000", currency="USD",
                       sourcing="sourced", product_lines="Core, Edge")  # fmt: skip
    # The flat fee for Edge has the higher priority: it wins both ways, times 1.5.
    assert {v[0] for v in amounts(response).values()} == {Decimal("1125.00")}
    plain = preview(client_for(acme_rep), estimated_amount="10000", currency="USD",
                    sourcing="sourced", product_lines="Core")  # fmt: skip
    assert amounts(plain)["partner_led"][0] == Decimal("3000.00")


def test_residual_commissions_are_shown_per_quarter(plan, ops, acme, client_for, acme_rep):
    acme.compensation_preference = CompensationPreference.RESIDUAL_COMMISSION
    acme.save()
    plans.save_rule(actor=ops, plan=plan, name="Residual", kind=Kind.RESIDUAL_COMMISSION,
                    rate=Decimal("10"), periods=8)  # fmt: skip
    response = preview(client_for(acme_rep), estimated_amount="40000", currency="USD",
                       sourcing="sourced")  # fmt: skip
    assert amounts(response)["partner_led"][0] == Decimal("1000.00")
    assert "per quarter for 8 quarters" in response.content.decode()


def test_without_an_amount_or_with_bad_values_nothing_is_previewed(
    referral_plan, client_for, acme_rep
):
    client = client_for(acme_rep)
    empty = preview(client, estimated_amount="", currency="USD", sourcing="sourced")
    assert empty.status_code == 200 and not empty.context["has_amount"]
    assert "Enter an amount" in empty.content.decode()
    for bad in ({"estimated_amount": "abc", "currency": "USD", "sourcing": "sourced"},
                {"estimated_amount": "100", "currency": "XXX", "sourcing": "sourced"},
                {"estimated_amount": "100", "currency": "USD", "sourcing": "nope"}):  # fmt: skip
        response = preview(client, **bad)
        assert response.status_code == 200 and not response.context["has_amount"], bad


def test_no_rule_says_so(plan, client_for, acme_rep):
    response = preview(client_for(acme_rep), estimated_amount="100", currency="USD",
                       sourcing="sourced")  # fmt: skip
    assert "No commission rule" in response.content.decode()


def test_only_partners_one_may_register_for(referral_plan, client_for, globex, acme, personas):
    for name in ("acme_rep", "acme_admin", "distri_admin"):  # Distri registers for Acme
        client = client_for(personas[name])
        assert preview(client, partner=acme.pk, estimated_amount="1").status_code == 200, name
    for name in ("globex_admin", "cam", "ops"):
        client = client_for(personas[name])
        assert preview(client, partner=acme.pk, estimated_amount="1").status_code == 404, name
    client = client_for(personas["acme_rep"])
    assert preview(client, partner=globex.pk).status_code == 404
    assert preview(client, partner="x").status_code == 404


def test_the_registration_forms_load_the_preview(referral_plan, client_for, acme_rep, acme):
    client = client_for(acme_rep)
    page = client.get(reverse("deals:deal_create")).content.decode()
    assert 'id="commission-preview"' in page and reverse("deals:commission_preview") in page
    draft = DealFactory(partner=acme, status=DealRegistration.Status.DRAFT)
    page = client.get(reverse("deals:deal_edit", args=[draft.pk])).content.decode()
    assert f'"partner": "{acme.pk}"' in page


def test_the_selector_takes_unsaved_form_values(referral_plan, acme):
    previews = preview_registration(acme, amount="1,000.50", currency="USD", sourcing="sourced",
                                    product_lines="")  # fmt: skip
    assert [p.amount for p in previews] == [Decimal("200.10"), Decimal("35.02")]
