"""The vendor's MDF pages: the queues with due times, request decisions (full, partial,
returned, denied, routed to ops above the threshold), claim reviews and extension decisions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from mdf.claims import services as claims
from mdf.funds.selectors import partner_balance
from mdf.models import FundRequest, MdfSettings
from prm.audit import events_for

pytestmark = pytest.mark.django_db
Status = FundRequest.Status


class TestQueue:
    def test_the_cam_sees_their_partners_requests_with_due_times(
        self, client_for, cam, other_cam, make_request
    ):
        fund_request = make_request()
        html = client_for(cam).get(reverse("mdf:queue")).content.decode()
        assert fund_request.title in html
        assert timezone.localtime(fund_request.decision_due_at).strftime("%Y-%m-%d %H:%M") in html
        assert (
            fund_request.title
            not in client_for(other_cam).get(reverse("mdf:queue")).content.decode()
        )

    def test_an_overdue_request_is_marked(self, client_for, cam, make_request):
        fund_request = make_request()
        FundRequest.objects.filter(pk=fund_request.pk).update(
            decision_due_at=timezone.now() - dt.timedelta(hours=1)
        )
        html = client_for(cam).get(reverse("mdf:queue")).content.decode()
        assert 'class="overdue"' in html and "Overdue" in html

    def test_query_count_does_not_grow_with_rows(
        self, client_for, cam, make_request, django_assert_max_num_queries
    ):
        make_request()
        client = client_for(cam)
        with django_assert_max_num_queries(20) as few:
            client.get(reverse("mdf:queue"))
        for n in range(4):
            make_request(title=f"Webinar {n}")
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(reverse("mdf:queue"))


class TestRequestDecision:
    def _decide(self, client, fund_request, **data):
        return client.post(reverse("mdf:request_decide", args=[fund_request.pk]), data)

    def test_full_approval_reserves_the_amount(self, client_for, cam, make_request, funded_acme):
        fund_request = make_request()
        response = self._decide(client_for(cam), fund_request, decision="approve")
        assert response.status_code == 302
        fund_request.refresh_from_db()
        assert (fund_request.status, fund_request.approved_amount) == (
            Status.APPROVED,
            Decimal("1000.00"),
        )
        assert partner_balance(funded_acme).total.committed == Decimal("1000.00")

    def test_partial_approval_needs_a_reason(self, client_for, cam, make_request):
        fund_request = make_request()
        client = client_for(cam)
        refused = self._decide(client, fund_request, decision="approve", approved_amount="600")
        assert refused.status_code == 400
        assert refused.context["form"].errors["reason"]
        self._decide(
            client, fund_request, decision="approve", approved_amount="600", reason="Half the venue"
        )
        fund_request.refresh_from_db()
        assert fund_request.approved_amount == Decimal("600.00")
        event = events_for(fund_request).filter(verb="mdf.request_approved").get()
        assert (event.actor, event.reason) == (cam, "Half the venue")

    def test_more_than_requested_is_refused_on_the_amount(self, client_for, cam, make_request):
        fund_request = make_request()
        response = self._decide(
            client_for(cam), fund_request, decision="approve", approved_amount="5000", reason="x"
        )
        assert response.status_code == 400
        assert "no more than requested" in response.context["form"].errors["approved_amount"][0]

    @pytest.mark.parametrize(("decision", "status"), [("return", "returned"), ("deny", "denied")])
    def test_return_and_deny_need_a_reason(self, client_for, cam, make_request, decision, status):
        fund_request = make_request()
        client = client_for(cam)
        assert self._decide(client, fund_request, decision=decision).status_code == 400
        self._decide(client, fund_request, decision=decision, reason="Not this quarter")
        fund_request.refresh_from_db()
        assert (fund_request.status, fund_request.decision_reason) == (status, "Not this quarter")

    def test_above_the_threshold_ops_decide_after_the_cam(
        self, client_for, cam, ops, make_request, funded_acme
    ):
        program = MdfSettings.current()
        program.ops_approval_threshold = Decimal("500")
        program.save()
        fund_request = make_request()
        self._decide(client_for(cam), fund_request, decision="approve")
        fund_request.refresh_from_db()
        assert fund_request.status == Status.AWAITING_OPS
        assert fund_request.title not in client_for(cam).get(reverse("mdf:queue")).content.decode()
        ops_page = client_for(ops).get(reverse("mdf:request_decide", args=[fund_request.pk]))
        assert ops_page.context["form"].initial["approved_amount"] == Decimal("1000.00")
        ops_queue = client_for(ops).get(reverse("mdf:queue")).content.decode()
        assert fund_request.title in ops_queue and "Program ops" in ops_queue
        self._decide(client_for(ops), fund_request, decision="approve")
        fund_request.refresh_from_db()
        assert fund_request.status == Status.APPROVED

    def test_nothing_to_decide_shows_no_form(self, client_for, cam, approved_request):
        response = client_for(cam).get(reverse("mdf:request_decide", args=[approved_request.pk]))
        assert 'data-testid="decision-form"' not in response.content.decode()


class TestClaimReview:
    def test_the_queue_lists_submitted_claims(self, client_for, cam, claimed_request):
        html = client_for(cam).get(reverse("mdf:claim_queue")).content.decode()
        assert claimed_request.title in html and 'data-testid="claim-row"' in html

    def test_partial_approval_releases_the_rest(
        self, client_for, cam, claimed_request, funded_acme
    ):
        url = reverse("mdf:claim_review", args=[claimed_request.pk])
        client = client_for(cam)
        page = client.get(url).content.decode()
        assert "Invoice: invoice.pdf" in page
        refused = client.post(url, {"decision": "approve", "approved_amount": "700"})
        assert refused.status_code == 400 and refused.context["form"].errors["reason"]
        client.post(
            url, {"decision": "approve", "approved_amount": "700", "reason": "Catering excluded"}
        )
        claimed_request.refresh_from_db()
        assert claimed_request.status == Status.CLAIM_APPROVED
        assert claimed_request.claim.approved_amount == Decimal("700.00")
        total = partner_balance(funded_acme).total
        assert (total.available, total.committed) == (Decimal("4300.00"), Decimal("700.00"))

    def test_return_for_changes(self, client_for, cam, claimed_request):
        url = reverse("mdf:claim_review", args=[claimed_request.pk])
        client_for(cam).post(url, {"decision": "return", "reason": "The invoice is unreadable."})
        claimed_request.refresh_from_db()
        assert claimed_request.status == Status.CLAIM_RETURNED


class TestExtensions:
    @pytest.fixture
    def extension(self, approved_request, acme_rep):
        return claims.request_extension(
            actor=acme_rep,
            request=approved_request,
            until=approved_request.claim_due_on + dt.timedelta(days=20),
            reason="Venue moved",
        )

    def test_the_cam_extends_the_claim_due_date(self, client_for, cam, extension, approved_request):
        client = client_for(cam)
        assert "Venue moved" in client.get(reverse("mdf:extension_queue")).content.decode()
        client.post(reverse("mdf:extension_decide", args=[extension.pk]), {"approve": "1"})
        approved_request.refresh_from_db()
        assert approved_request.claim_due_on == extension.requested_until

    def test_refusing_needs_a_reason(self, client_for, cam, extension):
        url = reverse("mdf:extension_decide", args=[extension.pk])
        client = client_for(cam)
        response = client.post(url, {"approve": "0"}, follow=True)
        assert "Give the partner a reason" in response.content.decode()
        extension.refresh_from_db()
        assert extension.status == "pending"
        client.post(url, {"approve": "0", "reason": "The window is long enough."})
        extension.refresh_from_db()
        assert extension.status == "denied"
