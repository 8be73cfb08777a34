"""Deal pages: who sees what (out of scope → 404), the forms, and constant query counts (the
manager's queue, decisions and reports: ``test_review_views``)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import DealConflict, DealImport, DealRegistration, ExtensionRequest
from prm.audit import events_for
from prm.formatting import format_date

from .factories import DealFactory, ExtensionRequestFactory

pytestmark = pytest.mark.django_db
Status = DealRegistration.Status
EVERYONE = ["acme_admin", "acme_rep", "distri_admin", "globex_admin", "cam", "other_cam", "ops"]


def _expect(allowed: set[str]):
    return [(who, 200 if who in allowed else 404) for who in EVERYONE]


ACME_SIDE = {"acme_admin", "acme_rep", "distri_admin"}
ACME_SCOPE = ACME_SIDE | {"cam", "ops"}
INTERNAL = {"cam", "other_cam", "ops"}
PARTNER_USERS = {"acme_admin", "acme_rep", "distri_admin", "globex_admin"}


# --- Tenancy: every page, every persona --------------------------------------------------------


class TestTenancy:
    @pytest.mark.parametrize(("who", "status"), _expect(ACME_SCOPE))
    def test_deal_page(self, client_for, personas, deal_in, who, status):
        registration = deal_in(Status.SUBMITTED)
        response = client_for(personas[who]).get(registration.get_absolute_url())
        assert response.status_code == status

    @pytest.mark.parametrize(("who", "status"), _expect(ACME_SIDE))
    def test_edit_page(self, client_for, personas, deal_in, who, status):
        registration = deal_in(Status.DRAFT)
        url = reverse("deals:deal_edit", args=[registration.pk])
        assert client_for(personas[who]).get(url).status_code == status

    @pytest.mark.parametrize(("who", "status"), _expect({"cam", "ops"}))
    def test_decision_page(self, client_for, personas, deal_in, who, status):
        registration = deal_in(Status.SUBMITTED)
        url = reverse("deals:deal_review", args=[registration.pk])
        assert client_for(personas[who]).get(url).status_code == status

    @pytest.mark.parametrize(
        "name", ["review_queue", "extension_queue", "aging_report", "sla_report"]
    )
    @pytest.mark.parametrize(("who", "status"), _expect(INTERNAL))
    def test_vendor_pages(self, client_for, personas, name, who, status):
        assert client_for(personas[who]).get(reverse(f"deals:{name}")).status_code == status

    @pytest.mark.parametrize("name", ["deal_create", "deal_import", "import_template"])
    @pytest.mark.parametrize(("who", "status"), _expect(PARTNER_USERS))
    def test_partner_pages(self, client_for, personas, name, who, status):
        assert client_for(personas[who]).get(reverse(f"deals:{name}")).status_code == status

    @pytest.mark.parametrize("name", ["import_detail", "import_report"])
    @pytest.mark.parametrize(("who", "status"), _expect(ACME_SCOPE))
    def test_import_reports(self, client_for, personas, acme, acme_rep, name, who, status):
        record = DealImport.objects.create(partner=acme, uploaded_by=acme_rep, filename="a.csv")
        url = reverse(f"deals:{name}", args=[record.pk])
        assert client_for(personas[who]).get(url).status_code == status

    @pytest.mark.parametrize(
        ("name", "status"),
        [
            ("deal_submit", Status.DRAFT),
            ("deal_withdraw", Status.SUBMITTED),
            ("deal_outcome", Status.APPROVED),
            ("deal_request_extension", Status.APPROVED),
        ],
    )
    @pytest.mark.parametrize("who", ["globex_admin", "other_cam"])
    def test_actions_on_another_partners_deal_answer_404(
        self, client_for, personas, deal_in, name, status, who
    ):
        registration = deal_in(status)
        url = reverse(f"deals:{name}", args=[registration.pk])
        response = client_for(personas[who]).post(url, {"reason": "x", "outcome": "lost"})
        assert response.status_code == 404
        registration.refresh_from_db()
        assert registration.status == status

    @pytest.mark.parametrize(("who", "status"), _expect({"cam", "ops"}))
    def test_extension_decisions(self, client_for, personas, deal_in, who, status):
        extension = ExtensionRequestFactory(registration=deal_in(Status.APPROVED))
        url = reverse("deals:extension_decide", args=[extension.pk])
        response = client_for(personas[who]).post(url, {"approve": "1"})
        assert response.status_code == (302 if status == 200 else 404)
        extension.refresh_from_db()
        expected = ExtensionRequest.Status.APPROVED if status == 200 else "pending"
        assert extension.status == expected

    def test_the_precheck_is_for_partner_users_registering_for_their_own(
        self, client_for, acme_admin, globex, cam
    ):
        url = reverse("deals:deal_precheck")
        assert client_for(cam).get(url, {"customer_name": "Initech"}).status_code == 404
        other = client_for(acme_admin).get(url, {"customer_name": "x", "partner": globex.pk})
        assert other.status_code == 404
        junk = client_for(acme_admin).get(url, {"customer_name": "x", "partner": "1 OR 1=1"})
        assert junk.status_code == 404


# --- My deals ----------------------------------------------------------------------------------


class TestDealList:
    def test_each_partner_sees_only_its_own_deals(self, client_for, deal_in, globex_admin):
        mine = deal_in(Status.SUBMITTED)
        theirs = DealFactory(partner=globex_admin.memberships.get().partner)
        page = client_for(globex_admin).get(reverse("deals:deal_list")).content.decode()
        assert theirs.customer_name in page
        assert mine.customer_name not in page

    def test_a_distributor_sees_its_resellers_deals_with_the_partner_column(
        self, client_for, deal_in, distri_admin
    ):
        registration = deal_in(Status.APPROVED)
        page = client_for(distri_admin).get(reverse("deals:deal_list")).content.decode()
        assert registration.customer_name in page
        assert '<a class="sort" href="?sort=partner">Partner</a>' in page

    def test_filters_by_status_customer_and_date(self, client_for, deal_in, acme_admin):
        old = deal_in(Status.APPROVED, customer_name="Oldco Holdings")
        DealRegistration.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - dt.timedelta(days=40)
        )
        fresh = deal_in(Status.SUBMITTED, customer_name="Freshco Partners")
        client = client_for(acme_admin)
        url = reverse("deals:deal_list")

        def names(**params):
            page = client.get(url, params)
            return {d.customer_name for d in page.context["page_obj"]}

        assert names(status="approved") == {old.customer_name}
        assert names(q="freshco") == {fresh.customer_name}
        since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
        assert names(date_from=since) == {fresh.customer_name}
        until = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
        assert names(date_to=until) == {old.customer_name}

    def test_an_upside_down_date_range_is_explained(self, client_for, acme_admin):
        response = client_for(acme_admin).get(
            reverse("deals:deal_list"), {"date_from": "2026-05-01", "date_to": "2026-04-01"}
        )
        assert "The end of the range is before its start." in response.content.decode()

    def test_pages_of_25_keep_the_filters(self, client_for, deal_in, acme_admin):
        for _ in range(27):
            deal_in(Status.SUBMITTED)
        response = client_for(acme_admin).get(reverse("deals:deal_list"), {"status": "submitted"})
        assert len(response.context["page_obj"]) == 25
        assert "status=submitted&amp;page=2" in response.content.decode()

    def test_empty_states(self, client_for, acme_admin, cam):
        page = client_for(acme_admin).get(reverse("deals:deal_list")).content.decode()
        assert "No deals registered yet" in page
        filtered = client_for(acme_admin).get(reverse("deals:deal_list"), {"q": "zzz"})
        assert "No registrations match these filters." in filtered.content.decode()

    @pytest.mark.parametrize("who", ["acme_admin", "distri_admin", "cam", "ops"])
    def test_queries_do_not_grow_with_rows(
        self, client_for, personas, deal_in, django_assert_max_num_queries, who
    ):
        client = client_for(personas[who])
        for _ in range(3):
            deal_in(Status.SUBMITTED)
        with django_assert_max_num_queries(14) as few:
            client.get(reverse("deals:deal_list"))
        for status in Status.values * 3:
            deal_in(status)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(reverse("deals:deal_list"))
        assert len(response.context["page_obj"]) == 25


# --- Registering -------------------------------------------------------------------------------


def _form(**overrides):
    data = {
        "customer_name": "Umbrella Health GmbH",
        "customer_domain": "umbrella-health.de",
        "contact_name": "Alice",
        "contact_email": "alice@umbrella-health.de",
        "country": "DE",
        "industry": "Healthcare",
        "product_lines": "Platform, Analytics",
        "estimated_amount": "80000",
        "currency": "EUR",
        "expected_close_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "sourcing": "sourced",
        "engagement": "partner_led",
        "notes": "",
        "external_ref": "CRM-77",
        "action": "submit",
    }
    data.update(overrides)
    return data


class TestRegisterForm:
    def test_a_partner_registers_and_submits(self, client_for, acme, acme_rep):
        response = client_for(acme_rep).post(reverse("deals:deal_create"), _form())
        registration = DealRegistration.objects.get()
        assert response.url == registration.get_absolute_url()
        assert registration.partner == acme
        assert registration.status == Status.SUBMITTED
        assert registration.product_lines == ["Platform", "Analytics"]
        assert registration.estimated_amount == Decimal("80000.00")

    def test_save_as_draft(self, client_for, acme_rep):
        client_for(acme_rep).post(reverse("deals:deal_create"), _form(action="draft"))
        assert DealRegistration.objects.get().status == Status.DRAFT

    def test_service_refusals_show_on_the_fields(self, client_for, acme_rep):
        yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
        response = client_for(acme_rep).post(
            reverse("deals:deal_create"),
            _form(expected_close_date=yesterday, customer_domain="not a domain"),
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors["expected_close_date"] == [
            "The expected close date must not be in the past."
        ]
        assert "customer_domain" in form.errors
        assert not DealRegistration.objects.exists()

    def test_every_problem_shows_at_once(self, client_for, acme_rep):
        yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
        response = client_for(acme_rep).post(
            reverse("deals:deal_create"),
            _form(expected_close_date=yesterday, estimated_amount="0", contact_email="nope"),
        )
        errors = response.context["form"].errors
        assert set(errors) == {"expected_close_date", "estimated_amount", "contact_email"}
        assert not DealRegistration.objects.exists()

    def test_a_distributor_chooses_the_reseller(self, client_for, acme, distri, distri_admin):
        client = client_for(distri_admin)
        page = client.get(reverse("deals:deal_create"))
        assert set(page.context["form"].fields["partner"].queryset) == {acme, distri}
        client.post(reverse("deals:deal_create"), _form(partner=acme.pk))
        registration = DealRegistration.objects.get()
        assert (registration.partner, registration.distributor) == (acme, distri)

    def test_a_distributor_cannot_pick_someone_elses_partner(
        self, client_for, acme, globex, distri_admin
    ):
        response = client_for(distri_admin).post(
            reverse("deals:deal_create"), _form(partner=globex.pk)
        )
        assert "partner" in response.context["form"].errors
        assert not DealRegistration.objects.exists()

    def test_the_precheck_says_until_when_but_not_who(self, client_for, acme_admin, globex):
        held = DealFactory(
            partner=globex,
            status=Status.APPROVED,
            customer_name="Initech",
            customer_domain="initech.com",
        )
        response = client_for(acme_admin).get(
            reverse("deals:deal_precheck"),
            {"customer_name": "Initech", "customer_domain": "www.initech.com", "country": "US"},
        )
        page = response.content.decode()
        # The portal's one date format, as on every other page.
        assert f"already protected until {format_date(held.protected_until)}." in page
        assert "Globex" not in page

    def test_the_precheck_is_quiet_about_free_accounts(self, client_for, acme_admin):
        response = client_for(acme_admin).get(
            reverse("deals:deal_precheck"), {"customer_name": "Nobody Yet"}
        )
        assert "No protected registration found" in response.content.decode()

    def test_editing_an_answer_resubmits_it(self, client_for, deal_in, acme_rep):
        registration = deal_in(Status.MORE_INFO, decision_reason="Which division?")
        client = client_for(acme_rep)
        page = client.get(reverse("deals:deal_edit", args=[registration.pk])).content.decode()
        assert "Which division?" in page
        client.post(
            reverse("deals:deal_edit", args=[registration.pk]),
            _form(notes="The EMEA division.", external_ref=""),
        )
        registration.refresh_from_db()
        assert registration.status == Status.SUBMITTED
        assert registration.notes == "The EMEA division."


# --- The deal page and its actions -------------------------------------------------------------


class TestDealPage:
    def test_shows_the_timeline_and_the_protection_date(self, client_for, deal_in, acme_rep, cam):
        from deals import services

        registration = deal_in(Status.SUBMITTED)
        services.approve_registration(registration=registration, actor=cam, reason="Clean.")
        registration.refresh_from_db()
        page = client_for(acme_rep).get(registration.get_absolute_url()).content.decode()
        assert registration.protected_until.strftime("%Y-%m-%d") in page
        assert "Approved" in page and "Clean." in page
        assert "Record the outcome" in page
        assert "Request an extension" in page

    def test_the_partner_does_not_see_conflict_events_naming_the_other_side(
        self, client_for, deal_in, acme_rep, globex, cam
    ):
        registration = deal_in(Status.SUBMITTED)
        conflict = DealConflict.objects.create(
            registration=registration,
            existing_registration=DealFactory(partner=globex, status=Status.APPROVED),
            score=Decimal("90"),
        )
        from prm.audit import record_event

        record_event(conflict, actor=cam, verb="resolved", reason="Globex holds it")
        partner_page = client_for(acme_rep).get(registration.get_absolute_url())
        assert "Globex holds it" not in partner_page.content.decode()
        cam_page = client_for(cam).get(registration.get_absolute_url())
        assert "Globex holds it" in cam_page.content.decode()

    def test_a_breached_sla_is_visible(self, client_for, deal_in, cam):
        registration = deal_in(Status.SUBMITTED, sla_due_at=timezone.now() - dt.timedelta(hours=1))
        page = client_for(cam).get(registration.get_absolute_url()).content.decode()
        assert "SLA breached" in page

    def test_recording_a_win(self, client_for, deal_in, acme_rep):
        registration = deal_in(Status.APPROVED)
        response = client_for(acme_rep).post(
            reverse("deals:deal_outcome", args=[registration.pk]),
            {
                "outcome": "won",
                "closed_amount": "41000",
                "closed_on": timezone.localdate().isoformat(),
                "closed_products": "Platform",
            },
        )
        assert response.status_code == 302
        registration.refresh_from_db()
        assert (registration.status, registration.closed_amount) == (Status.WON, Decimal("41000"))
        page = client_for(acme_rep).get(registration.get_absolute_url()).content.decode()
        assert 'data-testid="protection-closed"' in page
        assert "Protection ended when the deal closed on" in page
        assert "Starts when the registration is approved" not in page

    def test_a_win_without_amount_is_explained(self, client_for, deal_in, acme_rep):
        registration = deal_in(Status.APPROVED)
        response = client_for(acme_rep).post(
            reverse("deals:deal_outcome", args=[registration.pk]), {"outcome": "won"}
        )
        assert response.status_code == 400
        assert response.context["outcome_form"].errors["closed_amount"] == [
            "Required for a won deal."
        ]

    def test_requesting_an_extension_and_the_policy_refusal(
        self, client_for, deal_in, acme_rep, program
    ):
        registration = deal_in(Status.APPROVED)
        client = client_for(acme_rep)
        url = reverse("deals:deal_request_extension", args=[registration.pk])
        client.post(url, {"reason": "Board meets in June."})
        assert registration.extension_requests.get().status == "pending"
        program.extension_policy = "none"
        program.save()
        other = deal_in(Status.APPROVED)
        response = client.post(
            reverse("deals:deal_request_extension", args=[other.pk]),
            {"reason": "Please"},
            follow=True,
        )
        assert "does not allow extensions" in response.content.decode()
        assert not other.extension_requests.exists()

    def test_an_extension_request_needs_a_reason(self, client_for, deal_in, acme_rep):
        registration = deal_in(Status.APPROVED)
        response = client_for(acme_rep).post(
            reverse("deals:deal_request_extension", args=[registration.pk]), {"reason": ""}
        )
        assert response.status_code == 400
        assert "reason" in response.context["extension_form"].errors

    def test_withdrawing(self, client_for, deal_in, acme_rep):
        registration = deal_in(Status.SUBMITTED)
        client_for(acme_rep).post(
            reverse("deals:deal_withdraw", args=[registration.pk]), {"reason": "Duplicate"}
        )
        registration.refresh_from_db()
        assert registration.status == Status.WITHDRAWN
        assert events_for(registration).get().reason == "Duplicate"

    def test_refusals_come_back_as_messages(self, client_for, deal_in, acme_rep):
        registration = deal_in(Status.WON)
        response = client_for(acme_rep).post(
            reverse("deals:deal_withdraw", args=[registration.pk]), follow=True
        )
        assert "cannot move from won" in response.content.decode()


def test_the_register_form_takes_a_prospect_handed_over_in_the_query_string(client_for, acme_rep):
    response = client_for(acme_rep).get(
        "/deals/new/?customer_name=Summit+County&estimated_amount=13740.00&business_case=4"
    )
    form = response.context["form"]
    assert form.initial["customer_name"] == "Summit County"
    assert form.initial["estimated_amount"] == "13740.00"
    assert form.initial["currency"] == "USD"
    assert "business_case" not in form.initial


class TestActionsTheRulesWouldRefuseAreNotOffered:
    def test_no_second_extension_under_the_once_policy(
        self, client_for, deal_in, acme_rep, program
    ):
        program.extension_policy = "once"
        program.save()
        registration = deal_in(Status.APPROVED)
        client = client_for(acme_rep)
        page = client.get(registration.get_absolute_url()).content.decode()
        assert "Request an extension" in page
        type(registration).objects.filter(pk=registration.pk).update(extension_count=1)
        page = client.get(registration.get_absolute_url()).content.decode()
        assert "Request an extension" not in page
        assert "already been extended once" in page

    def test_no_resubmission_once_the_limit_is_used(self, client_for, deal_in, acme_rep, program):
        program.max_resubmissions = 1
        program.save()
        registration = deal_in(Status.REJECTED, resubmission_count=1)
        body = client_for(acme_rep).get(registration.get_absolute_url()).content.decode()
        assert reverse("deals:deal_submit", args=[registration.pk]) not in body
        fresh = deal_in(Status.REJECTED)
        body = client_for(acme_rep).get(fresh.get_absolute_url()).content.decode()
        assert reverse("deals:deal_submit", args=[fresh.pk]) in body
