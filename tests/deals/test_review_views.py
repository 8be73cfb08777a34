"""The channel account manager's and ops' deal pages: the review queue, the decision page,
extension decisions and the reports, with constant query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import DealConflict, DealRegistration

from .factories import DealFactory, ExtensionRequestFactory

pytestmark = pytest.mark.django_db
Status = DealRegistration.Status


# --- The manager's side ------------------------------------------------------------------------


class TestReview:
    def test_the_queue_lists_the_most_urgent_first_and_marks_breaches(
        self, client_for, deal_in, cam
    ):
        now = timezone.now()
        later = deal_in(Status.SUBMITTED, sla_due_at=now + dt.timedelta(days=1))
        breached = deal_in(Status.SUBMITTED, sla_due_at=now - dt.timedelta(hours=2))
        waiting = deal_in(Status.MORE_INFO, sla_due_at=now - dt.timedelta(days=3))
        response = client_for(cam).get(reverse("deals:review_queue"))
        assert list(response.context["page_obj"]) == [breached, later, waiting]
        assert 'class="breached"' in response.content.decode()

    def test_another_managers_queue_is_empty(self, client_for, deal_in, other_cam):
        deal_in(Status.SUBMITTED)
        response = client_for(other_cam).get(reverse("deals:review_queue"))
        assert "Nothing waiting for a decision" in response.content.decode()

    @pytest.mark.parametrize("who", ["cam", "ops"])
    def test_queue_queries_do_not_grow_with_rows(
        self, client_for, personas, deal_in, globex, django_assert_max_num_queries, who
    ):
        client = client_for(personas[who])
        deal_in(Status.SUBMITTED)
        with django_assert_max_num_queries(14) as few:
            client.get(reverse("deals:review_queue"))
        for _ in range(12):
            registration = deal_in(Status.SUBMITTED)
            DealConflict.objects.create(
                registration=registration,
                existing_registration=DealFactory(partner=globex, status=Status.APPROVED),
                score=Decimal("50"),
            )
            deal_in(Status.MORE_INFO)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(reverse("deals:review_queue"))
        assert len(response.context["page_obj"]) == 25

    def test_extension_queue_queries_do_not_grow_with_rows(
        self, client_for, deal_in, cam, django_assert_max_num_queries
    ):
        client = client_for(cam)
        ExtensionRequestFactory(registration=deal_in(Status.APPROVED))
        with django_assert_max_num_queries(14) as few:
            client.get(reverse("deals:extension_queue"))
        for _ in range(10):
            ExtensionRequestFactory(registration=deal_in(Status.APPROVED))
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(reverse("deals:extension_queue"))
        assert len(response.context["page_obj"]) == 11

    @pytest.mark.parametrize("name", ["aging_report", "sla_report"])
    def test_report_queries_do_not_grow_with_rows(
        self, client_for, deal_in, ops, django_assert_max_num_queries, name
    ):
        client = client_for(ops)
        deal_in(Status.SUBMITTED, sla_due_at=timezone.now() - dt.timedelta(hours=1))
        with django_assert_max_num_queries(14) as few:
            client.get(reverse(f"deals:{name}"))
        for status in Status.values * 3:
            deal_in(status, sla_due_at=timezone.now() - dt.timedelta(hours=1))
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(reverse(f"deals:{name}"))

    def test_approving_from_the_decision_page(self, client_for, deal_in, cam):
        registration = deal_in(Status.SUBMITTED)
        response = client_for(cam).post(
            reverse("deals:deal_review", args=[registration.pk]),
            {"decision": "approve", "reason": ""},
        )
        assert response.url == reverse("deals:review_queue")
        registration.refresh_from_db()
        assert registration.status == Status.APPROVED

    def test_a_rejection_needs_a_reason(self, client_for, deal_in, cam):
        registration = deal_in(Status.SUBMITTED)
        response = client_for(cam).post(
            reverse("deals:deal_review", args=[registration.pk]), {"decision": "reject"}
        )
        assert response.context["form"].errors["reason"] == ["Give the partner a reason."]

    def test_open_conflicts_link_to_the_comparison_and_block_approval(
        self, client_for, deal_in, cam, globex
    ):
        registration = deal_in(Status.SUBMITTED)
        DealConflict.objects.create(
            registration=registration,
            existing_registration=DealFactory(partner=globex, status=Status.APPROVED),
            score=Decimal("90"),
        )
        url = reverse("deals:deal_review", args=[registration.pk])
        client = client_for(cam)
        page = client.get(url).content.decode()
        assert reverse("deals:conflict_compare", args=[registration.pk]) in page
        response = client.post(url, {"decision": "approve"})
        assert "Resolve the open conflicts" in response.content.decode()
        registration.refresh_from_db()
        assert registration.status == Status.SUBMITTED

    def test_extension_queue_and_decision(self, client_for, deal_in, cam, program):
        registration = deal_in(Status.APPROVED)
        extension = ExtensionRequestFactory(registration=registration)
        client = client_for(cam)
        page = client.get(reverse("deals:extension_queue")).content.decode()
        assert registration.customer_name in page
        response = client.post(
            reverse("deals:extension_decide", args=[extension.pk]), {"approve": "0"}, follow=True
        )
        assert "Give the partner a reason." in response.content.decode()
        client.post(
            reverse("deals:extension_decide", args=[extension.pk]),
            {"approve": "0", "reason": "Quarter is over."},
        )
        extension.refresh_from_db()
        assert (extension.status, extension.decision_reason) == ("rejected", "Quarter is over.")


# --- Reports -----------------------------------------------------------------------------------


class TestReports:
    def test_aging_report_counts_by_bucket(self, client_for, deal_in, cam):
        for days in (1, 10, 45, 75, 120):
            deal_in(Status.SUBMITTED, first_submitted_at=timezone.now() - dt.timedelta(days=days))
        response = client_for(cam).get(reverse("deals:aging_report"))
        report = response.context["report"]
        assert [bar.count for bar in report.totals] == [1, 1, 1, 1, 1]
        assert "<svg" in response.content.decode()

    def test_sla_report_shows_breaches(self, client_for, deal_in, ops):
        deal_in(Status.SUBMITTED, sla_due_at=timezone.now() - dt.timedelta(hours=3))
        response = client_for(ops).get(reverse("deals:sla_report"))
        assert response.context["report"].total.breached == 1
        assert 'data-testid="sla-breached">1<' in response.content.decode()
