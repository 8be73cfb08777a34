"""The partner's MDF pages: the balance by period, the eligibility message, the request form
and its errors, submit and cancel, the claim with its proof, and extension requests."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mdf.claims import selectors as claim_selectors
from mdf.demo import took_place
from mdf.funds.selectors import partner_balance
from mdf.models import ClaimExtension, FundRequest
from tests.deals.conflict_factories import RegistrationFactory

from .conftest import pdf, today

pytestmark = pytest.mark.django_db
Status = FundRequest.Status


def _request_form(webinar, **overrides):
    data = {
        "activity_type": webinar.pk,
        "title": "Autumn roadshow",
        "starts_on": (today() + dt.timedelta(days=20)).isoformat(),
        "ends_on": (today() + dt.timedelta(days=21)).isoformat(),
        "planned_cost": "3,000.00",
        "partner_contribution": "1500",
        "requested_amount": "1500",
        "target_audience": "CIOs in Benelux",
        "expected_leads": "25",
        "expected_pipeline": "80000",
        "action": "submit",
    }
    data.update(overrides)
    return data


class TestHome:
    def test_shows_the_balance_by_period_and_what_is_committed(
        self, client_for, acme_rep, approved_request
    ):
        response = client_for(acme_rep).get(reverse("mdf:home"))
        assert response.status_code == 200
        html = response.content.decode()
        fund = approved_request.fund
        assert f'data-testid="period-{fund.period}"' in html
        balance = response.context["balance"]
        assert (balance.total.available, balance.total.committed) == (
            Decimal("4000.00"),
            Decimal("1000.00"),
        )
        assert "4,000.00" in html and "1,000.00" in html
        # Every headline figure says its currency, as the available one does.
        for testid in ("total-available", "total-committed", "total-paid", "expiring-soon"):
            at = html.index(f'data-testid="{testid}"')
            assert html[at : html.index("</div>", at)].split(">", 1)[1].startswith("USD ")
        assert fund.expires_on.isoformat() in html
        assert approved_request.title in html  # recent requests

    def test_only_activities_that_have_ended_are_listed_to_claim(
        self, client_for, acme_rep, approved_request
    ):
        home = reverse("mdf:home")
        assert 'data-testid="to-claim"' not in client_for(acme_rep).get(home).content.decode()
        took_place(approved_request, days_ago=0)
        html = client_for(acme_rep).get(home).content.decode()
        to_claim = html[html.index('data-testid="to-claim"') :]
        assert approved_request.title in to_claim[: to_claim.index("</table>")]

    def test_a_tier_without_mdf_is_told_why_and_offered_no_request_button(
        self, client_for, acme_rep, acme, mdf_tiers
    ):
        response = client_for(acme_rep).get(reverse("mdf:home"))
        html = response.content.decode()
        assert 'data-testid="eligibility"' in html
        assert "does not include marketing development funds" in html
        assert 'data-testid="request-funds"' not in html

    def test_an_eligible_partner_sees_no_refusal(self, client_for, acme_rep, funded_acme):
        html = client_for(acme_rep).get(reverse("mdf:home")).content.decode()
        assert 'data-testid="eligibility"' not in html
        assert 'data-testid="request-funds"' in html

    def test_the_fund_page_lists_its_ledger(self, client_for, acme_rep, approved_request):
        response = client_for(acme_rep).get(
            reverse("mdf:fund_detail", args=[approved_request.fund_id])
        )
        kinds = [entry.kind for entry in response.context["entries"]]
        assert kinds == ["allocation", "reservation"]
        assert "Launch support" in response.content.decode()


class TestRequestForm:
    def test_the_menu_shows_vendor_share_and_required_proof(self, client_for, acme_rep, webinar):
        html = client_for(acme_rep).get(reverse("mdf:request_create")).content.decode()
        assert 'data-testid="activity-menu"' in html
        assert "up to 50% of the cost" in html and "Invoice" in html

    def test_a_valid_request_is_submitted_with_its_due_time(
        self, client_for, acme_rep, funded_acme, webinar
    ):
        response = client_for(acme_rep).post(
            reverse("mdf:request_create"), _request_form(webinar), follow=True
        )
        fund_request = FundRequest.objects.get(title="Autumn roadshow")
        assert fund_request.status == Status.SUBMITTED
        assert fund_request.planned_cost == Decimal("3000.00")
        assert response.redirect_chain[-1][0] == fund_request.get_absolute_url()
        assert "A decision is due by" in response.content.decode()

    def test_asking_more_than_the_fund_holds_is_said_when_submitted(
        self, client_for, acme_rep, funded_acme, webinar
    ):
        # The fund holds 5,000.00; a 60 % activity lets the partner ask for 6,000.00 of 10,000.
        webinar.max_vendor_share = 60
        webinar.save()
        data = _request_form(
            webinar, planned_cost="10000", partner_contribution="4000", requested_amount="6000"
        )
        page = client_for(acme_rep).post(reverse("mdf:request_create"), data, follow=True)
        body = page.content.decode()
        assert "Request submitted." in body
        assert "fund has USD 5,000.00 available now" in body
        assert FundRequest.objects.get().status == Status.SUBMITTED

    def test_a_draft_submitted_from_its_page_is_warned_about_the_balance_too(
        self, client_for, acme_rep, funded_acme, webinar
    ):
        webinar.max_vendor_share = 60
        webinar.save()
        client = client_for(acme_rep)
        data = _request_form(
            webinar, planned_cost="10000", partner_contribution="4000", requested_amount="6000",
            action="draft",
        )  # fmt: skip
        client.post(reverse("mdf:request_create"), data)
        draft = FundRequest.objects.get()
        page = client.post(reverse("mdf:request_submit", args=[draft.pk]), follow=True)
        body = page.content.decode()
        assert "Request submitted." in body and "fund has USD 5,000.00 available now" in body
        draft.refresh_from_db()
        assert draft.status == Status.SUBMITTED

    def test_save_as_draft(self, client_for, acme_rep, funded_acme, webinar):
        client_for(acme_rep).post(
            reverse("mdf:request_create"), _request_form(webinar, action="draft")
        )
        assert FundRequest.objects.get(title="Autumn roadshow").status == Status.DRAFT

    def test_more_than_the_vendor_share_is_refused_on_the_field(
        self, client_for, acme_rep, funded_acme, webinar
    ):
        data = _request_form(webinar, requested_amount="2000", partner_contribution="1000")
        response = client_for(acme_rep).post(reverse("mdf:request_create"), data)
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert "at most" in errors["requested_amount"][0]
        assert "1,500.00" in errors["requested_amount"][0]
        assert not FundRequest.objects.exists()

    def test_bad_input_is_shown_per_field_and_nothing_is_saved(
        self, client_for, acme_rep, funded_acme, webinar
    ):
        data = _request_form(
            webinar,
            planned_cost="lots",
            ends_on=(today() + dt.timedelta(days=1)).isoformat(),
            title="",
        )
        response = client_for(acme_rep).post(reverse("mdf:request_create"), data)
        errors = response.context["form"].errors
        assert set(errors) >= {"planned_cost", "title"}
        assert not FundRequest.objects.exists()

    def test_every_problem_shows_on_the_first_submit(
        self, client_for, acme_rep, funded_acme, webinar
    ):
        # A missing title (the form's check), an end before the start and more than the vendor
        # share (the service's checks): all three at once, not one round after another.
        data = _request_form(
            webinar,
            title="",
            ends_on=(today() + dt.timedelta(days=5)).isoformat(),
            requested_amount="2000",
            partner_contribution="1000",
        )
        response = client_for(acme_rep).post(reverse("mdf:request_create"), data)
        errors = response.context["form"].errors
        assert set(errors) == {"title", "ends_on", "requested_amount"}
        assert "at most" in errors["requested_amount"][0]
        assert "cannot end before it starts" in errors["ends_on"][0]
        assert not FundRequest.objects.exists()

    def test_the_share_and_the_cover_are_both_named_at_once(
        self, client_for, acme_rep, funded_acme, webinar
    ):
        # Planned 1,000 with nothing of the partner's own and 900 asked of a 50 % activity.
        data = _request_form(
            webinar, planned_cost="1000", partner_contribution="0", requested_amount="900"
        )
        errors = (
            client_for(acme_rep).post(reverse("mdf:request_create"), data).context["form"].errors
        )
        assert set(errors) == {"requested_amount", "partner_contribution"}
        data = _request_form(webinar, planned_cost="-5", requested_amount="0")
        errors = (
            client_for(acme_rep).post(reverse("mdf:request_create"), data).context["form"].errors
        )
        assert {"planned_cost", "requested_amount"} <= set(errors)
        assert not FundRequest.objects.exists()

    def test_the_end_before_the_start_is_refused(self, client_for, acme_rep, funded_acme, webinar):
        data = _request_form(webinar, ends_on=(today() + dt.timedelta(days=5)).isoformat())
        response = client_for(acme_rep).post(reverse("mdf:request_create"), data)
        assert "cannot end before it starts" in response.context["form"].errors["ends_on"][0]

    def test_an_ineligible_partner_can_save_a_draft_but_not_submit(
        self, client_for, acme_rep, acme, mdf_tiers, webinar
    ):
        client = client_for(acme_rep)
        response = client.post(reverse("mdf:request_create"), _request_form(webinar))
        assert "does not include marketing development funds" in str(
            response.context["form"].non_field_errors()
        )
        assert not FundRequest.objects.exists()
        client.post(reverse("mdf:request_create"), _request_form(webinar, action="draft"))
        assert FundRequest.objects.get().status == Status.DRAFT

    def test_a_returned_request_is_changed_and_resubmitted(
        self, client_for, acme_rep, cam, make_request, webinar
    ):
        from mdf.requests import services

        fund_request = services.return_request(
            actor=cam, request=make_request(), reason="Add the venue costs."
        )
        client = client_for(acme_rep)
        page = client.get(reverse("mdf:request_edit", args=[fund_request.pk]))
        assert "Add the venue costs." in page.content.decode()
        client.post(
            reverse("mdf:request_edit", args=[fund_request.pk]),
            _request_form(webinar, title="Spring webinar with venue"),
        )
        fund_request.refresh_from_db()
        assert (fund_request.status, fund_request.title) == (
            Status.SUBMITTED,
            "Spring webinar with venue",
        )


class TestRequestPage:
    def test_history_and_what_is_missing(self, client_for, acme_rep, approved_request):
        response = client_for(acme_rep).get(approved_request.get_absolute_url())
        html = response.content.decode()
        assert "Approved; funds reserved" in html and "Submitted for approval" in html
        assert 'data-testid="missing"' in html and "Upload the invoice." in html
        assert 'data-testid="claim-link"' in html

    def test_cancelling_an_approved_request_releases_its_funds(
        self, client_for, acme_rep, approved_request, funded_acme
    ):
        url = reverse("mdf:request_cancel", args=[approved_request.pk])
        client_for(acme_rep).post(url, {"reason": "Event called off"})
        approved_request.refresh_from_db()
        assert approved_request.status == Status.CANCELLED
        total = partner_balance(funded_acme).total
        assert (total.available, total.committed) == (Decimal("5000.00"), Decimal("0"))

    def test_a_refused_action_comes_back_as_a_message(self, client_for, acme_rep, make_request):
        submitted = make_request()
        response = client_for(acme_rep).post(
            reverse("mdf:request_submit", args=[submitted.pk]), follow=True
        )
        assert "cannot move from" in response.content.decode()


class TestClaim:
    def test_no_registration_to_link_yet_is_said(self, client_for, acme_rep, approved_request):
        url = reverse("mdf:claim_form", args=[approved_request.pk])
        none_yet = "None yet: the registrations you make from the day"
        assert none_yet in client_for(acme_rep).get(url).content.decode()
        took_place(approved_request, days_ago=0)
        RegistrationFactory(partner=approved_request.partner, customer_name="Fabrikam")
        page = client_for(acme_rep).get(url).content.decode()
        assert "Fabrikam" in page and none_yet not in page

    def test_the_checklist_comes_from_the_activity_type(
        self, client_for, acme_rep, approved_request
    ):
        response = client_for(acme_rep).get(reverse("mdf:claim_form", args=[approved_request.pk]))
        form = response.context["form"]
        assert [kind for kind, _label in form.proof_checklist] == ["invoice"]
        assert form.fields["proof_invoice"].required

    def test_a_claim_waits_for_the_end_of_the_activity(
        self, client_for, acme_rep, approved_request
    ):
        url = reverse("mdf:claim_form", args=[approved_request.pk])
        data = {"actual_cost": "1900", "claimed_amount": "950", "proof_invoice": pdf(),
                "action": "submit"}  # fmt: skip
        response = client_for(acme_rep).post(url, data)
        assert response.status_code == 400
        assert "submit the claim once it has taken place" in response.content.decode()
        approved_request.refresh_from_db()
        assert approved_request.status == Status.APPROVED
        assert claim_selectors.claim_of(approved_request).proof_files.count() == 1  # kept
        # The page says so and asks for no file again: the invoice is on file now.
        form = response.context["form"]
        assert not form.fields["proof_invoice"].required
        assert "proof_invoice" not in form.errors
        assert "saved as a draft with its files" in response.content.decode()
        assert 'data-testid="claim-opens"' in client_for(acme_rep).get(url).content.decode()

    def test_a_claim_with_its_proof_is_submitted(self, client_for, acme_rep, approved_request):
        approved_request = took_place(approved_request, days_ago=0)
        data = {
            "actual_cost": "1900",
            "claimed_amount": "950",
            "leads": "30",
            "pipeline": "60000",
            "proof_invoice": pdf(),
            "action": "submit",
        }
        client_for(acme_rep).post(reverse("mdf:claim_form", args=[approved_request.pk]), data)
        approved_request.refresh_from_db()
        assert approved_request.status == Status.CLAIM_SUBMITTED
        claim = claim_selectors.claim_of(approved_request)
        proof = claim.proof_files.get()
        assert proof.original_name == "invoice.pdf"
        assert "invoice" not in proof.file.name  # stored under a generated name

    def test_a_file_whose_content_does_not_match_is_refused_and_the_draft_kept(
        self, client_for, acme_rep, approved_request
    ):
        fake = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 300)
        data = {"actual_cost": "1900", "claimed_amount": "950", "proof_invoice": fake}
        response = client_for(acme_rep).post(
            reverse("mdf:claim_form", args=[approved_request.pk]), data
        )
        assert response.status_code == 400
        assert response.context["form"].errors["proof_invoice"]
        approved_request.refresh_from_db()
        assert approved_request.status == Status.APPROVED
        claim = claim_selectors.claim_of(approved_request)
        assert claim.status == "draft" and not claim.proof_files.exists()

    def test_more_than_approved_is_refused_on_the_field(
        self, client_for, acme_rep, approved_request
    ):
        data = {"actual_cost": "5000", "claimed_amount": "1200", "proof_invoice": pdf()}
        response = client_for(acme_rep).post(
            reverse("mdf:claim_form", args=[approved_request.pk]), data
        )
        assert "at most" in response.context["form"].errors["claimed_amount"][0]
        assert claim_selectors.claim_of(approved_request) is None

    def test_a_missing_proof_file_is_required(self, client_for, acme_rep, approved_request):
        data = {"actual_cost": "1900", "claimed_amount": "950"}
        response = client_for(acme_rep).post(
            reverse("mdf:claim_form", args=[approved_request.pk]), data
        )
        assert response.context["form"].errors["proof_invoice"]

    def test_extension_request(self, client_for, acme_rep, approved_request):
        until = approved_request.claim_due_on + dt.timedelta(days=14)
        url = reverse("mdf:extension_request", args=[approved_request.pk])
        client = client_for(acme_rep)
        bad = client.post(url, {"until": approved_request.claim_due_on.isoformat(), "reason": "x"})
        assert bad.status_code == 400
        assert "after the current due date" in bad.context["extension_form"].errors["until"][0]
        client.post(url, {"until": until.isoformat(), "reason": "The venue moved the date."})
        extension = ClaimExtension.objects.get()
        assert (extension.status, extension.requested_until) == ("pending", until)


class TestProofRemoval:
    @pytest.fixture
    def draft_proof(self, approved_request, acme_rep):
        from mdf.claims import services as claims

        claim = claims.save_claim(
            actor=acme_rep, request=approved_request, actual_cost="1800", claimed_amount="900"
        )
        return claims.add_proof(actor=acme_rep, claim=claim, kind="invoice", upload=pdf())

    def test_the_partner_removes_a_file_from_a_draft_claim(self, client_for, acme_rep, draft_proof):
        response = client_for(acme_rep).post(reverse("mdf:proof_remove", args=[draft_proof.pk]))
        assert response.status_code == 302
        assert not type(draft_proof).objects.filter(pk=draft_proof.pk).exists()

    @pytest.mark.parametrize("who", ["globex_admin", "distri_admin", "other_cam"])
    def test_nobody_else_can(self, client_for, personas, draft_proof, who):
        response = client_for(personas[who]).post(
            reverse("mdf:proof_remove", args=[draft_proof.pk])
        )
        assert response.status_code == 404
        assert type(draft_proof).objects.filter(pk=draft_proof.pk).exists()

    def test_a_submitted_claims_files_stay(self, client_for, acme_rep, claimed_request):
        proof = claim_selectors.claim_of(claimed_request).proof_files.get()
        response = client_for(acme_rep).post(
            reverse("mdf:proof_remove", args=[proof.pk]), follow=True
        )
        assert "cannot be removed now" in response.content.decode()
        assert type(proof).objects.filter(pk=proof.pk).exists()
