"""Lead routing rules in the portal: conditions, order and target partners, audited; the
tester answers with the same code that routes real leads."""

import pytest
from django.urls import reverse

from deals.leads.rules import InvalidRoutingRule, save_routing_rule
from deals.leads.services import create_lead, route_lead
from deals.models import LeadRoutingRule
from partners.models import BusinessModel
from prm.audit import events_for
from prm.exceptions import PermissionDenied
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def german_partners(tiers):
    return {
        "berlin": PartnerFactory(display_name="Berlin IT", hq_country="DE", tier=tiers[1]),
        "munich": PartnerFactory(display_name="Munich Systems", hq_country="DE", tier=tiers[2]),
        "msp": PartnerFactory(
            display_name="Hamburg MSP", hq_country="DE", business_model=BusinessModel.MSP
        ),
    }


def test_ops_add_a_rule_with_target_partners_and_it_is_audited(client_for, ops, german_partners):
    munich = german_partners["munich"]
    response = client_for(ops).post(
        reverse("program:routing_rule_create"),
        {
            "name": "Germany to Munich",
            "priority": 10,
            "countries": "de",
            "business_models": ["reseller"],
            "partners": [munich.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule = LeadRoutingRule.objects.get(name="Germany to Munich")
    assert rule.countries == ["DE"]
    assert list(rule.partners.all()) == [munich]
    event = events_for(rule).get()
    assert event.verb == "routing_rule.created"
    assert event.data["changes"]["partners"] == {"before": None, "after": ["Munich Systems"]}
    lead = create_lead(actor=ops, company_name="Bäckerei Huber", country="DE")
    offer = route_lead(lead=lead, actor=ops)
    assert offer.partner == munich


def test_a_change_records_before_and_after(ops, german_partners):
    rule = save_routing_rule(actor=ops, name="Germany", priority=10, countries=["DE"])
    save_routing_rule(actor=ops, rule=rule, name="Germany", priority=5, countries=["DE", "AT"])
    event = events_for(rule).get(verb="routing_rule.changed")
    assert event.data["changes"] == {
        "countries": {"before": ["DE"], "after": ["DE", "AT"]},
        "priority": {"before": 10, "after": 5},
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"countries": ["XX"]}, "countries"),
        ({"regions": ["MARS"]}, "regions"),
        ({"min_tier_rank": 9}, "min_tier_rank"),
        ({"business_models": ["msp"], "partners": "berlin"}, "partners"),
        ({"min_tier_rank": 3, "partners": "berlin"}, "partners"),
    ],
)
def test_rules_that_cannot_work_are_refused(ops, german_partners, values, field):
    if "partners" in values:
        values = {**values, "partners": [german_partners[values["partners"]]]}
    with pytest.raises(InvalidRoutingRule) as caught:
        save_routing_rule(actor=ops, name="Bad", priority=1, **values)
    assert field in caught.value.details
    assert not LeadRoutingRule.objects.exists()


def test_only_ops_change_rules(cam):
    with pytest.raises(PermissionDenied):
        save_routing_rule(actor=cam, name="Mine", priority=1)


def test_the_form_shows_refusals_beside_the_field(client_for, ops, german_partners):
    response = client_for(ops).post(
        reverse("program:routing_rule_create"),
        {"name": "Bad", "priority": 1, "countries": "ZZ", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "Unknown country code(s): ZZ." in response.context["form"].errors["countries"]


def test_the_tester_names_the_partner_real_routing_picks(client_for, ops, german_partners):
    save_routing_rule(actor=ops, name="Austria only", priority=1, countries=["AT"])
    save_routing_rule(
        actor=ops, name="German MSPs", priority=5, countries=["DE"], business_models=["msp"]
    )
    response = client_for(ops).get(reverse("program:routing_rule_list"), {"country": "de"})
    trials = response.context["trials"]
    assert [(t.rule.name, t.applies) for t in trials] == [
        ("Austria only", False),
        ("German MSPs", True),
    ]
    assert response.context["route"].chosen == german_partners["msp"]
    assert "This lead would be offered to Hamburg MSP" in response.content.decode()
    # The tester offered nothing; a real lead with the same details goes to the same partner.
    lead = create_lead(actor=ops, company_name="Kiel GmbH", country="DE")
    assert route_lead(lead=lead, actor=ops).partner == german_partners["msp"]


def test_the_tester_says_when_no_rule_finds_a_partner(client_for, ops, german_partners):
    response = client_for(ops).get(reverse("program:routing_rule_list"), {"country": "JP"})
    assert response.context["route"] is None
    assert "No rule finds a partner" in response.content.decode()


def test_the_tester_refuses_an_unknown_country(client_for, ops):
    response = client_for(ops).get(reverse("program:routing_rule_list"), {"country": "QQ"})
    assert "country" in response.context["form"].errors
    assert response.context["trials"] is None


def test_removing_a_rule_is_audited(client_for, ops, german_partners):
    rule = save_routing_rule(actor=ops, name="Germany", priority=10, countries=["DE"])
    response = client_for(ops).post(reverse("program:routing_rule_delete", args=[rule.pk]))
    assert response.status_code == 302
    assert not LeadRoutingRule.objects.exists()
    assert events_for(rule).filter(verb="routing_rule.deleted").exists()


def test_changing_one_field_keeps_the_other_criteria(ops, german_partners):
    munich = german_partners["munich"]
    rule = save_routing_rule(
        actor=ops, name="Germany", priority=10, countries=["DE"], partners=[munich]
    )
    save_routing_rule(actor=ops, rule=rule, name="Germany (Munich)")
    rule.refresh_from_db()
    assert (rule.name, rule.countries, list(rule.partners.all())) == (
        "Germany (Munich)",
        ["DE"],
        [munich],
    )
