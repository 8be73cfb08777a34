"""The deal lists (registrations, review queue, leads, imports): sorting, filters that refuse
what they do not understand, search, CSV export of exactly the filtered rows, tenancy of pages
and exports, and the bulk actions with their per-row report."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from deals.models import DealImport, DealRegistration, Lead
from prm.audit import events_for

from .conflict_factories import LeadFactory
from .factories import DealFactory

Status = DealRegistration.Status
LIST = reverse("deals:deal_list")
QUEUE = reverse("deals:review_queue")
LEADS = reverse("deals:lead_list")


def rows_of(response) -> list:
    return list(response.context["page_obj"])


def exported(client, url, params) -> list[dict]:
    response = client.get(url, {**params, "export": "csv"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def globex_deal(globex, globex_admin):
    return DealFactory(
        partner=globex, registered_by=globex_admin, status=Status.SUBMITTED, customer_name="Zeta"
    )


class TestDealListSorting:
    def test_sorts_by_a_whitelisted_key_both_ways_with_ties_broken_by_id(
        self, client_for, deal_in, acme_admin
    ):
        small = deal_in(Status.SUBMITTED, estimated_amount=Decimal("100"))
        tie_a = deal_in(Status.SUBMITTED, estimated_amount=Decimal("500"))
        tie_b = deal_in(Status.SUBMITTED, estimated_amount=Decimal("500"))
        client = client_for(acme_admin)
        up = [d.pk for d in rows_of(client.get(LIST, {"sort": "amount"}))]
        down = [d.pk for d in rows_of(client.get(LIST, {"sort": "-amount"}))]
        assert up == [small.pk, tie_a.pk, tie_b.pk]
        assert down == [tie_b.pk, tie_a.pk, small.pk]

    def test_the_header_links_toggle_the_direction_and_keep_the_filters(
        self, client_for, deal_in, acme_admin
    ):
        deal_in(Status.SUBMITTED)
        page = client_for(acme_admin).get(LIST, {"status": "submitted", "sort": "amount"})
        html = page.content.decode()
        assert 'href="?status=submitted&amp;sort=-amount"' in html
        assert 'aria-sort="ascending"' in html

    def test_an_unknown_sort_key_is_an_error_and_lists_nothing(
        self, client_for, deal_in, acme_admin
    ):
        deal_in(Status.SUBMITTED)
        response = client_for(acme_admin).get(LIST, {"sort": "password"})
        assert "sort" in response.context["filter_form"].errors
        assert rows_of(response) == []
        assert "Some filters were not understood" in response.content.decode()


class TestDealListFilters:
    def test_an_invalid_date_or_status_is_a_visible_error_not_ignored(
        self, client_for, deal_in, acme_admin
    ):
        deal_in(Status.SUBMITTED)
        client = client_for(acme_admin)
        bad_date = client.get(LIST, {"date_from": "2026-02-31"})
        assert "date_from" in bad_date.context["filter_form"].errors
        assert rows_of(bad_date) == []
        bad_status = client.get(LIST, {"status": "bribed"})
        assert "bribed is not one of the available choices" in bad_status.content.decode()
        assert rows_of(bad_status) == []

    def test_search_matches_every_word_in_name_domain_or_reference(
        self, client_for, deal_in, acme_admin
    ):
        hit = deal_in(Status.SUBMITTED, customer_name="Northwind Traders", external_ref="OPP-9")
        deal_in(Status.SUBMITTED, customer_name="Northwind Bakery")
        client = client_for(acme_admin)
        assert [d.pk for d in rows_of(client.get(LIST, {"q": "northwind traders"}))] == [hit.pk]
        assert [d.pk for d in rows_of(client.get(LIST, {"q": "opp-9"}))] == [hit.pk]

    def test_a_distributor_filters_by_reseller_and_cannot_name_another_partner(
        self, client_for, deal_in, distri_admin, globex, globex_deal, acme
    ):
        mine = deal_in(Status.SUBMITTED)
        client = client_for(distri_admin)
        assert [d.pk for d in rows_of(client.get(LIST, {"partner": acme.pk}))] == [mine.pk]
        outside = client.get(LIST, {"partner": globex.pk})
        assert "partner" in outside.context["filter_form"].errors
        assert rows_of(outside) == []

    def test_a_partner_user_has_no_partner_filter(self, client_for, acme_rep):
        form = client_for(acme_rep).get(LIST).context["filter_form"]
        assert "partner" not in form.fields

    def test_pages_keep_filters_and_sort(self, client_for, deal_in, acme_admin):
        for _ in range(26):
            deal_in(Status.SUBMITTED)
        html = client_for(acme_admin).get(LIST, {"status": "submitted", "sort": "amount"})
        assert "status=submitted&amp;sort=amount&amp;page=2" in html.content.decode()


class TestDealExport:
    def test_the_csv_is_exactly_the_filtered_sorted_list_across_pages(
        self, client_for, deal_in, acme_admin
    ):
        for n in range(30):
            deal_in(Status.SUBMITTED, estimated_amount=Decimal(1000 + n))
        deal_in(Status.APPROVED)
        client = client_for(acme_admin)
        params = {"status": "submitted", "sort": "-amount"}
        rows = exported(client, LIST, params)
        expected = list(
            DealRegistration.objects.filter(status=Status.SUBMITTED).order_by(
                "-estimated_amount", "-pk"
            )
        )
        assert [int(r["ID"]) for r in rows] == [d.pk for d in expected]
        first_page = [d.pk for d in rows_of(client.get(LIST, params))]
        assert [int(r["ID"]) for r in rows[:25]] == first_page
        assert rows[0]["Amount"] == "1029.00" and rows[0]["Currency"] == "USD"

    def test_cells_that_a_spreadsheet_would_run_are_defused(self, client_for, deal_in, acme_admin):
        deal_in(Status.SUBMITTED, customer_name='=HYPERLINK("http://evil.example")')
        rows = exported(client_for(acme_admin), LIST, {})
        assert rows[0]["Customer"] == '\'=HYPERLINK("http://evil.example")'

    def test_an_export_with_filters_not_understood_is_refused(self, client_for, acme_admin):
        response = client_for(acme_admin).get(LIST, {"date_to": "soon", "export": "csv"})
        assert response.status_code == 400
        assert "date_to" in response.content.decode()

    @pytest.mark.parametrize(
        ("who", "sees_acme", "sees_globex"),
        [
            ("acme_rep", True, False),
            ("globex_admin", False, True),
            ("distri_admin", True, False),
            ("cam", True, False),
            ("other_cam", False, True),
            ("ops", True, True),
        ],
    )
    def test_the_export_has_the_pages_tenancy_and_the_same_columns_for_everyone(
        self, client_for, personas, deal_in, globex_deal, who, sees_acme, sees_globex
    ):
        acme_deal = deal_in(Status.SUBMITTED)
        client = client_for(personas[who])
        response = client.get(LIST, {"export": "csv"})
        text = b"".join(response.streaming_content).decode()
        header = text.splitlines()[0]
        assert header.startswith("ID,Customer,Customer domain,CRM reference,Partner,Distributor")
        ids = {int(r["ID"]) for r in csv.DictReader(io.StringIO(text))}
        assert (acme_deal.pk in ids) is sees_acme
        assert (globex_deal.pk in ids) is sees_globex
        page_ids = {d.pk for d in rows_of(client.get(LIST))}
        assert page_ids == ids

    def test_export_queries_do_not_grow_with_rows(
        self, client_for, deal_in, cam, django_assert_max_num_queries
    ):
        client = client_for(cam)
        for _ in range(5):
            deal_in(Status.SUBMITTED)
        with django_assert_max_num_queries(12) as few:
            b"".join(client.get(LIST, {"export": "csv"}).streaming_content)
        for _ in range(20):
            deal_in(Status.SUBMITTED)
        with django_assert_max_num_queries(len(few.captured_queries)):
            b"".join(client.get(LIST, {"export": "csv"}).streaming_content)


class TestReviewQueue:
    def test_sorts_filters_and_exports_within_the_cams_partners(
        self, client_for, deal_in, globex_deal, cam
    ):
        big = deal_in(Status.SUBMITTED, estimated_amount=Decimal("90000"))
        small = deal_in(Status.SUBMITTED, estimated_amount=Decimal("10"))
        deal_in(Status.APPROVED)
        client = client_for(cam)
        assert [d.pk for d in rows_of(client.get(QUEUE, {"sort": "-amount"}))] == [
            big.pk,
            small.pk,
        ]
        rows = exported(client, QUEUE, {"sort": "amount"})
        assert [int(r["ID"]) for r in rows] == [small.pk, big.pk]
        assert rows_of(client.get(QUEUE, {"breached": "maybe"})) == []

    def test_a_breached_filter_keeps_only_overdue_registrations(self, client_for, deal_in, cam):
        from django.utils import timezone

        late = deal_in(Status.SUBMITTED)
        DealRegistration.objects.filter(pk=late.pk).update(sla_due_at=timezone.now())
        deal_in(Status.SUBMITTED)
        got = rows_of(client_for(cam).get(QUEUE, {"breached": "yes"}))
        assert [d.pk for d in got] == [late.pk]


class TestBulkDecision:
    def test_a_cam_approves_several_registrations_in_one_action(self, client_for, deal_in, cam):
        deals = [deal_in(Status.SUBMITTED) for _ in range(3)]
        response = client_for(cam).post(
            reverse("deals:review_bulk"),
            {"ids": [d.pk for d in deals], "decision": "approve", "reason": "Clean"},
        )
        assert response.status_code == 200
        result = response.context["result"]
        assert len(result.succeeded) == 3 and not result.failed
        for deal in deals:
            deal.refresh_from_db()
            assert deal.status == Status.APPROVED and deal.decided_by == cam
            assert [e.verb for e in events_for(deal)][-1] == "deal.approved"

    def test_rows_that_fail_are_reported_and_the_others_still_apply(
        self, client_for, deal_in, globex_deal, cam
    ):
        fine = deal_in(Status.SUBMITTED)
        decided = deal_in(Status.APPROVED)
        response = client_for(cam).post(
            reverse("deals:review_bulk"),
            {
                "ids": [fine.pk, decided.pk, globex_deal.pk],
                "decision": "reject",
                "reason": "Duplicate of an existing opportunity",
            },
        )
        rows = response.context["result"].rows
        assert [row.ok for row in rows] == [True, False, False]
        assert "approved" in rows[1].message.lower()
        assert rows[2].message == "Not in your scope."
        assert globex_deal.customer_name not in rows[2].label  # no name leaks out of scope
        fine.refresh_from_db(), decided.refresh_from_db(), globex_deal.refresh_from_db()
        assert fine.status == Status.REJECTED
        assert fine.decision_reason == "Duplicate of an existing opportunity"
        assert decided.status == Status.APPROVED
        assert globex_deal.status == Status.SUBMITTED

    def test_a_rejection_needs_a_reason_and_nothing_is_decided_without_one(
        self, client_for, deal_in, cam
    ):
        deal = deal_in(Status.SUBMITTED)
        response = client_for(cam).post(
            reverse("deals:review_bulk"), {"ids": [deal.pk], "decision": "reject"}
        )
        assert response.status_code == 400
        assert "Give the partners a reason" in response.content.decode()
        deal.refresh_from_db()
        assert deal.status == Status.SUBMITTED

    def test_partners_cannot_use_the_bulk_decision(self, client_for, deal_in, acme_admin):
        deal = deal_in(Status.SUBMITTED)
        response = client_for(acme_admin).post(
            reverse("deals:review_bulk"), {"ids": [deal.pk], "decision": "approve"}
        )
        assert response.status_code == 404


class TestLeads:
    def test_sort_filter_and_export_follow_the_lead_scope(self, client_for, acme, globex, cam, ops):
        mine = LeadFactory(company_name="Alpha Co", partner=acme, status=Lead.Status.OFFERED)
        theirs = LeadFactory(company_name="Beta Co", partner=globex, status=Lead.Status.OFFERED)
        cam_rows = exported(client_for(cam), LEADS, {})
        assert [int(r["ID"]) for r in cam_rows] == [mine.pk]
        ops_client = client_for(ops)
        by_name = [lead.pk for lead in rows_of(ops_client.get(LEADS, {"sort": "-company"}))]
        assert by_name == [theirs.pk, mine.pk]
        assert rows_of(ops_client.get(LEADS, {"country": "Atlantis"})) == []
        assert [x.pk for x in rows_of(ops_client.get(LEADS, {"q": "beta"}))] == [theirs.pk]

    def test_ops_offer_several_leads_and_see_which_were_refused(
        self, client_for, acme, globex, ops
    ):
        fresh = [LeadFactory(company_name=f"Fresh {n}") for n in range(2)]
        closed = LeadFactory(company_name="Closed Co", status=Lead.Status.CLOSED)
        response = client_for(ops).post(
            reverse("deals:lead_bulk_offer"),
            {"ids": [fresh[0].pk, closed.pk, fresh[1].pk], "partner": acme.pk},
        )
        rows = response.context["result"].rows
        assert [row.ok for row in rows] == [True, False, True]
        for lead in fresh:
            lead.refresh_from_db()
            assert lead.status == Lead.Status.OFFERED and lead.partner == acme
        closed.refresh_from_db()
        assert closed.status == Lead.Status.CLOSED and closed.partner is None

    def test_a_cam_can_only_offer_to_their_own_partners(self, client_for, globex, cam):
        lead = LeadFactory(created_by=cam)
        response = client_for(cam).post(
            reverse("deals:lead_bulk_offer"), {"ids": [lead.pk], "partner": globex.pk}
        )
        assert response.status_code == 400
        lead.refresh_from_db()
        assert lead.status == Lead.Status.NEW


class TestImportList:
    def test_each_partner_sees_its_own_imports(
        self, client_for, acme, globex, acme_admin, globex_admin, ops
    ):
        own = DealImport.objects.create(partner=acme, uploaded_by=acme_admin, filename="a.csv")
        other = DealImport.objects.create(
            partner=globex, uploaded_by=globex_admin, filename="=cmd.csv"
        )
        url = reverse("deals:import_list")
        assert [r.pk for r in rows_of(client_for(acme_admin).get(url))] == [own.pk]
        rows = exported(client_for(ops), url, {"sort": "file"})
        assert [r["File"] for r in rows] == ["'=cmd.csv", "a.csv"]
        assert rows_of(client_for(ops).get(url, {"status": "nope"})) == []
        assert other.pk in {r.pk for r in rows_of(client_for(ops).get(url, {"q": "cmd"}))}
