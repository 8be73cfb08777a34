"""Scoped reads: who sees which registrations, the review queue and the reports."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from deals import selectors, tasks
from deals.models import DealRegistration, ExtensionRequest
from partners.models import PartnerMembership
from tests.factories import MembershipFactory, PartnerFactory

from .factories import DealFactory, ExtensionRequestFactory

pytestmark = pytest.mark.django_db
Status = DealRegistration.Status
UTC = dt.UTC


@pytest.fixture
def book(acme, globex, distri, acme_rep, globex_admin, distri_admin):
    """One registration each for Acme, Globex and Distri."""
    return {
        "acme": DealFactory(partner=acme, registered_by=acme_rep, status=Status.SUBMITTED),
        "globex": DealFactory(partner=globex, registered_by=globex_admin, status=Status.SUBMITTED),
        "distri": DealFactory(partner=distri, registered_by=distri_admin, status=Status.SUBMITTED),
    }


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("acme_admin", {"acme"}),
        ("acme_rep", {"acme"}),
        ("globex_admin", {"globex"}),
        ("distri_admin", {"acme", "distri"}),
        ("cam", {"acme", "distri"}),
        ("other_cam", {"globex"}),
        ("ops", {"acme", "globex", "distri"}),
    ],
)
def test_deals_visible_to_each_persona(book, personas, who, sees):
    visible = set(selectors.deals_visible_to(personas[who]))
    assert visible == {book[name] for name in sees}
    for name, registration in book.items():
        if name not in sees:
            with pytest.raises(Http404):
                selectors.get_deal_for_user(personas[who], registration.pk)


def test_a_distributor_rep_sees_the_resellers_deals_too(book, distri):
    rep = MembershipFactory(partner=distri, role=PartnerMembership.Role.REP).user
    assert set(selectors.deals_visible_to(rep)) == {book["acme"], book["distri"]}


def test_inactive_users_see_nothing(book, acme_admin):
    acme_admin.is_active = False
    acme_admin.save()
    assert not selectors.deals_visible_to(acme_admin).exists()


def test_registrable_partners(acme, distri, globex, personas):
    PartnerFactory(display_name="Other reseller", parent_distributor=globex)
    assert set(selectors.registrable_partners(personas["acme_rep"])) == {acme}
    assert set(selectors.registrable_partners(personas["distri_admin"])) == {acme, distri}
    assert not selectors.registrable_partners(personas["cam"]).exists()


class TestReviewQueue:
    def test_pending_deals_of_the_managers_partners_by_due_time(self, deal_in, cam, ops, globex):
        now = timezone.now()
        second = deal_in(Status.SUBMITTED, sla_due_at=now + dt.timedelta(hours=5))
        first = deal_in(Status.SUBMITTED, sla_due_at=now - dt.timedelta(hours=5))
        waiting = deal_in(Status.MORE_INFO)
        deal_in(Status.APPROVED)
        deal_in(Status.DRAFT)
        other = DealFactory(partner=globex, status=Status.SUBMITTED, sla_due_at=now)
        assert list(selectors.review_queue(cam)) == [first, second, waiting]
        assert list(selectors.review_queue(ops)) == [first, other, second, waiting]

    def test_partner_users_have_no_queue(self, deal_in, acme_admin):
        deal_in(Status.SUBMITTED)
        assert not selectors.review_queue(acme_admin).exists()
        assert not selectors.pending_extensions(acme_admin).exists()

    def test_pending_extensions_follow_the_same_scope(self, deal_in, cam, other_cam):
        extension = ExtensionRequestFactory(registration=deal_in(Status.APPROVED))
        ExtensionRequestFactory(
            registration=deal_in(Status.APPROVED), status=ExtensionRequest.Status.APPROVED
        )
        assert list(selectors.pending_extensions(cam)) == [extension]
        assert not selectors.pending_extensions(other_cam).exists()
        with pytest.raises(Http404):
            selectors.get_extension_for_review(other_cam, extension.pk)


class TestAgingReport:
    def test_buckets_by_days_since_first_registration_per_status(self, deal_in, cam, globex):
        now = dt.datetime(2026, 6, 1, 12, tzinfo=UTC)
        ages = {
            Status.SUBMITTED: [0, 6.9, 7, 29],
            Status.MORE_INFO: [30, 59.9],
            Status.APPROVED: [60, 89, 90, 400],
        }
        for status, days_list in ages.items():
            for days in days_list:
                deal_in(status, first_submitted_at=now - dt.timedelta(days=days))
        deal_in(Status.WON, first_submitted_at=now - dt.timedelta(days=3))
        DealFactory(partner=globex, status=Status.SUBMITTED, first_submitted_at=now)
        report = selectors.aging_report(cam, now=now)
        rows = {row.status: row.counts for row in report.rows}
        assert rows == {
            Status.SUBMITTED: [2, 2, 0, 0, 0],
            Status.MORE_INFO: [0, 0, 2, 0, 0],
            Status.APPROVED: [0, 0, 0, 2, 2],
        }
        assert [bar.count for bar in report.totals] == [2, 2, 2, 2, 2]
        assert [bar.percent for bar in report.totals] == [100] * 5
        assert report.total == 10

    def test_partner_users_have_no_reports(self, acme_admin):
        with pytest.raises(Http404):
            selectors.aging_report(acme_admin)
        with pytest.raises(Http404):
            selectors.sla_report(acme_admin)

    def test_one_query_whatever_the_volume(self, deal_in, ops, django_assert_num_queries):
        for days in range(0, 200, 7):
            deal_in(Status.APPROVED, first_submitted_at=timezone.now() - dt.timedelta(days=days))
        with django_assert_num_queries(1):
            selectors.aging_report(ops)


class TestSlaReport:
    def test_waiting_breached_on_time_and_late_per_manager(
        self, deal_in, ops, cam, other_cam, globex
    ):
        now = dt.datetime(2026, 6, 10, 12, tzinfo=UTC)
        hour = dt.timedelta(hours=1)
        deal_in(Status.SUBMITTED, sla_due_at=now + hour)
        deal_in(Status.SUBMITTED, sla_due_at=now - hour)
        for answered in (-2, -4):  # answered 2 and 4 hours before the due time: on time
            deal_in(
                Status.APPROVED,
                submitted_at=now - 30 * hour,
                sla_due_at=now - 10 * hour,
                sla_responded_at=now - 10 * hour + answered * hour,
            )
        deal_in(  # answered after the due time: late
            Status.REJECTED,
            submitted_at=now - 60 * hour,
            sla_due_at=now - 40 * hour,
            sla_responded_at=now - 30 * hour,
        )
        deal_in(  # answered long ago: outside the 90-day window
            Status.APPROVED,
            submitted_at=now - dt.timedelta(days=200),
            sla_due_at=now - dt.timedelta(days=199),
            sla_responded_at=now - dt.timedelta(days=198),
        )
        DealFactory(partner=globex, status=Status.SUBMITTED, sla_due_at=now - hour)
        report = selectors.sla_report(ops, now=now)
        rows = {row.reviewer: row for row in report.rows}
        casey = rows[cam.full_name]
        assert (casey.waiting, casey.breached, casey.on_time, casey.late) == (2, 1, 2, 1)
        assert casey.on_time_percent == 67
        assert casey.average_hours == pytest.approx((18 + 16 + 30) / 3, abs=0.1)
        assert rows[other_cam.full_name].breached == 1
        assert (report.total.waiting, report.total.breached) == (3, 2)
        assert len(report.breached) == 2
        mine = selectors.sla_report(cam, now=now)
        assert [row.reviewer for row in mine.rows] == [cam.full_name]


class TestJobs:
    """Tasks and commands are thin: each runs one service and is safe to run twice."""

    def test_expiry_task_and_command(self, deal_in):
        deal_in(Status.APPROVED, protected_until=timezone.now() - dt.timedelta(hours=1))
        assert tasks.expire_registrations.delay().get() == 1
        assert tasks.expire_registrations.delay().get() == 0
        out = StringIO()
        call_command("expire_deal_registrations", stdout=out)
        assert out.getvalue().strip() == "Expired 0 registration(s)."

    def test_reminder_task_and_command(self, deal_in):
        deal_in(Status.APPROVED, protected_until=timezone.now() + dt.timedelta(days=3))
        out = StringIO()
        call_command("send_deal_expiry_reminders", stdout=out)
        assert out.getvalue().strip() == "Sent 1 expiry reminder(s)."
        assert tasks.send_expiry_reminders.delay().get() == 0

    def test_sla_task_and_command(self, deal_in):
        deal_in(Status.SUBMITTED, sla_due_at=timezone.now() - dt.timedelta(minutes=5))
        with time_machine.travel(timezone.now()):
            assert tasks.process_sla.delay().get() == {"reminded": 0, "escalated": 1}
        out = StringIO()
        call_command("process_deal_sla", stdout=out)
        assert "escalated 0 registration(s)" in out.getvalue()

    def test_the_jobs_are_scheduled(self, settings):
        tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
        assert {
            "deals.tasks.expire_registrations",
            "deals.tasks.send_expiry_reminders",
            "deals.tasks.process_sla",
        } <= tasks_scheduled
