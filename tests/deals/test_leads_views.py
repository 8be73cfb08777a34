"""Lead pages: the partner's inbox and answers, the vendor's list, form and actions, and who may
reach each page."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from deals.leads.services import accept_lead, offer_lead
from deals.models import DealRegistration, Lead, LeadOffer

from .conflict_factories import LeadFactory, LeadOfferFactory, RoutingRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(acme, ops):
    lead = LeadFactory(company_name="Hooli", country="US", created_by=ops)
    offer_lead(lead=lead, partner=acme, actor=ops)
    lead.refresh_from_db()
    return lead


def url(name, lead=None):
    return reverse(f"deals:{name}", args=[lead.pk] if lead else [])


class TestInbox:
    def test_partner_sees_status_and_time_left(self, client_for, acme_rep, offered):
        html = client_for(acme_rep).get(url("lead_list")).content.decode()
        assert "Hooli" in html
        assert "Offered to partner" in html
        assert "left" in html  # e.g. "1 day, 23 hours left"

    def test_the_status_filter_offers_partners_only_what_they_can_hold(
        self, client_for, acme_rep, ops, offered
    ):
        def statuses(user):
            page = client_for(user).get(url("lead_list"))
            return {value for value, _label in page.context["filter_form"].fields["status"].choices}

        assert "new" not in statuses(acme_rep) and "offered" in statuses(acme_rep)
        assert "new" in statuses(ops)

    def test_other_partners_see_an_empty_inbox(self, client_for, globex_admin, offered):
        html = client_for(globex_admin).get(url("lead_list")).content.decode()
        assert "Hooli" not in html
        assert "No leads offered to you right now" in html

    def test_after_the_deadline_the_inbox_says_so(self, client_for, acme_rep, offered):
        with time_machine.travel(timezone.now() + dt.timedelta(hours=49)):
            html = client_for(acme_rep).get(url("lead_list")).content.decode()
        assert "Deadline passed" in html

    def test_an_answered_lead_shows_no_deadline(self, client_for, acme_rep, offered):
        accept_lead(lead=offered, actor=acme_rep)
        html = client_for(acme_rep).get(url("lead_list")).content.decode()
        row = html.split('data-testid="lead-row"', 1)[1].split("</tr>", 1)[0]
        assert "Accepted" in row
        assert "lead-deadline" not in row
        assert offered.accept_by.strftime("%Y-%m-%d") not in row

    def test_vendor_list_filters_by_status_and_search(self, client_for, ops, offered):
        LeadFactory(company_name="Pied Piper")
        client = client_for(ops)
        html = client.get(url("lead_list"), {"status": "new"}).content.decode()
        assert "Pied Piper" in html and "Hooli" not in html
        html = client.get(url("lead_list"), {"q": "hoo"}).content.decode()
        assert "Hooli" in html and "Pied Piper" not in html
        html = client.get(url("lead_list"), {"q": "nothing-like-this"}).content.decode()
        assert "No leads match these filters." in html

    @pytest.mark.parametrize("who", ["acme_rep", "ops"])
    def test_list_queries_do_not_grow_with_rows(
        self, client_for, personas, acme, ops, who, django_assert_max_num_queries
    ):
        client = client_for(personas[who])

        def add(n):
            for _ in range(n):
                offer_lead(lead=LeadFactory(created_by=ops), partner=acme, actor=ops)

        add(2)
        with django_assert_max_num_queries(20) as few:
            assert client.get(url("lead_list")).status_code == 200
        add(10)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(url("lead_list"))
        assert len(response.context["page_obj"].object_list) == 12

    def test_offer_history_lists_own_offers_only(
        self, client_for, acme_admin, acme, globex, django_assert_max_num_queries
    ):
        LeadOfferFactory(partner=acme, outcome="recalled", lead__company_name="Lapsed Co")
        LeadOfferFactory(partner=globex, lead__company_name="Not Yours Co")
        client = client_for(acme_admin)
        with django_assert_max_num_queries(20) as few:
            html = client.get(url("lead_offer_history")).content.decode()
        assert "Lapsed Co" in html and "Recalled" in html and "Not Yours Co" not in html
        LeadOfferFactory.create_batch(5, partner=acme)
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(url("lead_offer_history"))

    def test_vendor_staff_have_no_offer_history_page(self, client_for, ops):
        assert client_for(ops).get(url("lead_offer_history")).status_code == 404


class TestPartnerAnswers:
    def test_accept_from_the_lead_page(self, client_for, acme_rep, offered):
        client = client_for(acme_rep)
        page = client.get(url("lead_detail", offered)).content.decode()
        assert 'data-testid="lead-accept"' in page
        response = client.post(url("lead_accept", offered))
        assert response.status_code == 302
        offered.refresh_from_db()
        assert offered.status == "accepted"
        page = client.get(url("lead_detail", offered)).content.decode()
        assert "Convert to a deal registration" in page
        head = page.split('data-testid="lead-status"', 1)[1].split("</div>", 1)[0]
        assert "Accepted" in head and "UTC" not in head  # no deadline once answered

    def test_reject_requires_a_reason(self, client_for, acme_admin, offered):
        client = client_for(acme_admin)
        response = client.post(url("lead_reject", offered), {"reject-reason": ""})
        assert response.status_code == 200
        assert "This field is required." in response.content.decode()
        response = client.post(url("lead_reject", offered), {"reject-reason": "Too small"})
        assert response.status_code == 302
        offered.refresh_from_db()
        assert (offered.status, offered.rejection_reason) == ("rejected", "Too small")

    def test_convert_an_accepted_lead_into_a_registration(self, client_for, acme_rep, offered):
        accept_lead(lead=offered, actor=acme_rep)
        client = client_for(acme_rep)
        form = client.get(url("lead_convert", offered))
        assert form.context["form"].initial["customer_name"] == "Hooli"
        response = client.post(
            url("lead_convert", offered),
            {
                "customer_name": "Hooli",
                "customer_domain": "hooli.example",
                "country": "US",
                "estimated_amount": "50000",
                "currency": "USD",
                "expected_close_date": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
                "engagement": "partner_led",
            },
        )
        registration = DealRegistration.objects.get()
        assert response.status_code == 302
        assert response.url == registration.get_absolute_url()
        assert registration.source_lead == offered
        assert registration.sourcing == "influenced"
        assert registration.status == "submitted"
        offered.refresh_from_db()
        assert offered.status == "converted"

    def test_convert_form_shows_errors(self, client_for, acme_rep, offered):
        accept_lead(lead=offered, actor=acme_rep)
        response = client_for(acme_rep).post(url("lead_convert", offered), {"customer_name": ""})
        assert response.status_code == 200
        assert response.context["form"].errors
        assert not DealRegistration.objects.exists()

    def test_convert_form_shows_every_problem_on_the_first_submit(
        self, client_for, acme_rep, offered
    ):
        accept_lead(lead=offered, actor=acme_rep)
        response = client_for(acme_rep).post(
            url("lead_convert", offered),
            {
                "customer_name": "Hooli",
                "country": "US",
                "estimated_amount": "-5",
                "currency": "USD",
                "expected_close_date": (timezone.localdate() - dt.timedelta(days=30)).isoformat(),
                "engagement": "partner_led",
            },
        )
        errors = response.context["form"].errors
        assert set(errors) == {"estimated_amount", "expected_close_date"}
        assert not DealRegistration.objects.exists()


class TestVendorPages:
    def test_a_partner_that_rejected_the_lead_is_not_offered_it_again(
        self, client_for, ops, acme, globex, acme_rep, offered
    ):
        from deals.leads.services import reject_lead

        reject_lead(lead=offered, actor=acme_rep, reason="Too small")
        page = client_for(ops).get(url("lead_detail", offered))
        choices = page.context["offer_form"].fields["partner"].queryset
        assert globex in choices and acme not in choices

    def test_create_and_route_a_lead(self, client_for, ops, acme):
        RoutingRuleFactory()
        response = client_for(ops).post(
            url("lead_create"),
            {"company_name": "Stark Industries", "country": "US", "region": "NA",
             "currency": "USD", "route_now": "on"},
        )  # fmt: skip
        lead = Lead.objects.get()
        assert response.status_code == 302 and response.url == lead.get_absolute_url()
        assert (lead.status, lead.partner) == ("offered", acme)

    def test_create_shows_field_errors(self, client_for, ops):
        response = client_for(ops).post(url("lead_create"), {"company_name": "", "country": ""})
        assert response.status_code == 200
        assert set(response.context["form"].errors) >= {"company_name", "country"}
        assert not Lead.objects.exists()

    def test_offer_by_hand_and_see_the_history(self, client_for, cam, acme):
        lead = LeadFactory(created_by=cam, estimated_amount="125000.00", currency="EUR")
        client = client_for(cam)
        response = client.post(url("lead_offer", lead), {"partner": acme.pk})
        assert response.status_code == 302
        html = client.get(url("lead_detail", lead)).content.decode()
        assert 'data-testid="lead-offers"' in html and "Acme" in html
        assert "EUR 125,000.00" in html

    def test_route_without_a_match_warns(self, client_for, ops):
        lead = LeadFactory()
        response = client_for(ops).post(url("lead_route", lead), follow=True)
        assert "offer it by hand" in response.content.decode()

    def test_close_with_reason(self, client_for, ops):
        lead = LeadFactory()
        response = client_for(ops).post(url("lead_close", lead), {"close-reason": "Duplicate"})
        assert response.status_code == 302
        lead.refresh_from_db()
        assert lead.status == "closed"


class TestTenancy:
    @pytest.mark.parametrize(
        "name", ["lead_detail", "lead_accept", "lead_reject", "lead_convert", "lead_route",
                 "lead_offer", "lead_close"],
    )  # fmt: skip
    @pytest.mark.parametrize("who", ["globex_admin", "other_cam"])
    def test_out_of_scope_users_get_404(self, client_for, personas, offered, name, who):
        client = client_for(personas[who])
        method = (
            client.get if name in {"lead_detail", "lead_reject", "lead_convert"} else client.post
        )
        assert method(url(name, offered)).status_code == 404
        offered.refresh_from_db()
        assert offered.status == "offered"

    @pytest.mark.parametrize("who", ["acme_rep", "acme_admin", "globex_admin", "distri_admin"])
    def test_partners_cannot_create_leads(self, client_for, personas, who):
        assert client_for(personas[who]).get(url("lead_create")).status_code == 404

    def test_partner_actions_refused_for_vendor_staff(self, client_for, cam, offered):
        client = client_for(cam)
        response = client.post(url("lead_accept", offered), follow=True)
        assert "not allowed" in response.content.decode()
        assert client.get(url("lead_convert", offered)).status_code == 404
        offered.refresh_from_db()
        assert offered.status == "offered"

    def test_vendor_actions_refused_for_partners(self, client_for, acme_admin, offered, acme):
        client = client_for(acme_admin)
        client.post(url("lead_route", offered))
        client.post(url("lead_offer", offered), {"partner": acme.pk})
        client.post(url("lead_close", offered), {"close-reason": "x"})
        offered.refresh_from_db()
        assert offered.status == "offered"
        assert LeadOffer.objects.count() == 1

    def test_anonymous_is_sent_to_login(self, client, offered):
        for name in ("lead_list", "lead_create", "lead_offer_history"):
            assert client.get(url(name)).status_code == 302
        assert client.get(url("lead_detail", offered)).status_code == 302
