"""The partner filter of list pages: a select over a small scope; over a large one a text box
with suggestions from ``partners:lookup``. Either way the value is checked against the scope."""

import pytest
from django.urls import reverse

from partners import fields
from tests.deals.factories import DealFactory

LOOKUP = "partners:lookup"


@pytest.fixture
def large_scope(monkeypatch):
    monkeypatch.setattr(fields, "PARTNER_SELECT_LIMIT", 1)


def deal_list(client, **params):
    return client.get(reverse("deals:deal_list"), params)


def test_a_small_scope_picks_from_a_select(client_for, acme, cam):
    html = deal_list(client_for(cam)).content.decode()
    assert '<select name="partner"' in html


def test_a_large_scope_types_with_suggestions(client_for, acme, cam, large_scope):
    html = deal_list(client_for(cam)).content.decode()
    assert '<select name="partner"' not in html
    assert 'type="text" name="partner"' in html
    assert f'hx-get="{reverse(LOOKUP)}"' in html
    assert '<datalist id="id_partner-options">' in html


@pytest.mark.parametrize("typed", ["{pk}", "Acme (#{pk})", "acme"])
def test_the_partner_may_be_given_by_id_suggestion_or_exact_name(
    client_for, acme, globex, cam, acme_admin, large_scope, typed
):
    mine = DealFactory(partner=acme, registered_by=acme_admin)
    DealFactory(partner=globex)
    response = deal_list(client_for(cam), partner=typed.format(pk=acme.pk))
    assert not response.context["filter_form"].errors
    assert [d.pk for d in response.context["page_obj"]] == [mine.pk]


@pytest.mark.parametrize("typed", ["{pk}", "Globex (#{pk})", "Globex", "Nobody"])
def test_a_partner_outside_the_scope_or_unknown_is_an_error(
    client_for, acme, globex, cam, large_scope, typed
):
    DealFactory(partner=globex)
    response = deal_list(client_for(cam), partner=typed.format(pk=globex.pk))
    assert "partner" in response.context["filter_form"].errors
    assert list(response.context["page_obj"]) == []


class TestLookup:
    def test_suggests_matching_partners_in_scope_only(self, client_for, acme, globex, distri, cam):
        html = client_for(cam).get(reverse(LOOKUP), {"partner": "ac"}).content.decode()
        assert f'value="Acme (#{acme.pk})"' in html
        assert "Globex" not in html  # another manager's partner
        assert "Distri" not in html  # does not match
        everything = client_for(cam).get(reverse(LOOKUP), {"q": ""}).content.decode()
        assert "Acme" in everything and "Distri" in everything and "Globex" not in everything

    def test_ops_see_every_partner(self, client_for, acme, globex, ops):
        html = client_for(ops).get(reverse(LOOKUP), {"q": "glob"}).content.decode()
        assert f'value="Globex (#{globex.pk})"' in html

    def test_a_distributor_sees_its_resellers(self, client_for, acme, globex, distri_admin):
        html = client_for(distri_admin).get(reverse(LOOKUP), {"q": ""}).content.decode()
        assert "Acme" in html and "Globex" not in html

    def test_partner_people_are_refused(self, client_for, acme, acme_rep):
        response = client_for(acme_rep).get(reverse(LOOKUP), {"q": "a"})
        assert response.status_code in (403, 404)
        assert b"Acme (#" not in response.content


class TestFormsOverALargeScope:
    """Forms that choose a partner (offering leads, one or several) take the same text box once
    the choice outgrows a select, and check the typed partner against the form's own scope."""

    def test_the_bulk_offer_types_the_partner(self, client_for, acme, ops, large_scope):
        from deals.models import Lead
        from tests.deals.conflict_factories import LeadFactory

        html = client_for(ops).get(reverse("deals:lead_list")).content.decode()
        assert '<select name="partner"' not in html
        assert 'type="text" name="partner"' in html
        lead = LeadFactory(company_name="Fresh Co")
        response = client_for(ops).post(
            reverse("deals:lead_bulk_offer"), {"ids": [lead.pk], "partner": f"Acme (#{acme.pk})"}
        )
        assert [row.ok for row in response.context["result"].rows] == [True]
        lead.refresh_from_db()
        assert lead.status == Lead.Status.OFFERED and lead.partner == acme

    def test_a_typed_partner_outside_the_offer_scope_is_refused(
        self, client_for, acme, globex, cam, large_scope
    ):
        from deals.models import Lead
        from tests.deals.conflict_factories import LeadFactory

        lead = LeadFactory(created_by=cam)
        response = client_for(cam).post(
            reverse("deals:lead_offer", args=[lead.pk]), {"partner": f"Globex (#{globex.pk})"}
        )
        assert response.status_code == 302
        page = client_for(cam).get(response.url).content.decode()
        assert "Choose a partner to offer the lead to." in page
        lead.refresh_from_db()
        assert lead.status == Lead.Status.NEW
