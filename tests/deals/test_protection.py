"""Protection after approval: expiry reminders, the nightly expiry and extension requests."""

import datetime as dt

import pytest
import time_machine

from deals import services
from deals.exceptions import DealNotAllowed, ExtensionNotAllowed, InvalidDealData
from deals.models import DealRegistration, ExtensionRequest
from prm.audit import events_for
from prm.models import EmailDelivery, Notification
from tests.prm import mailserver

from .factories import registration_kwargs

Status = DealRegistration.Status
UTC = dt.UTC
pytestmark = pytest.mark.django_db

APPROVED_AT = dt.datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def approved(deal_in, cam, program):
    """Approved on 5 January with the default 90 days: protected until 5 April, 10:00."""
    with time_machine.travel(APPROVED_AT, tick=False):
        return services.approve_registration(registration=deal_in(Status.SUBMITTED), actor=cam)


def test_the_default_window_is_90_days(approved):
    assert approved.protected_until == dt.datetime(2026, 4, 5, 10, 0, tzinfo=UTC)


class TestExpiryReminders:
    def test_the_partner_is_reminded_14_days_before_once(
        self, approved, acme_rep, acme_admin, run_on_commit, mailoutbox
    ):
        with time_machine.travel(dt.datetime(2026, 3, 22, 9, 0, tzinfo=UTC)), run_on_commit():
            assert services.send_expiry_reminders() == 0
        with time_machine.travel(dt.datetime(2026, 3, 22, 11, 0, tzinfo=UTC)), run_on_commit():
            assert services.send_expiry_reminders() == 1
            assert services.send_expiry_reminders() == 0
        with time_machine.travel(dt.datetime(2026, 3, 30, tzinfo=UTC)), run_on_commit():
            assert services.send_expiry_reminders() == 0
        assert sorted(m.to[0] for m in mailoutbox) == sorted([acme_rep.email, acme_admin.email])
        assert "Deal protection ends on 2026-04-05" in mailoutbox[0].subject
        assert events_for(approved).filter(verb="deal.expiry_reminder_sent").count() == 1

    def test_the_reminder_lead_time_is_a_program_setting(self, approved, program):
        program.expiry_reminder_days = 3
        program.save()
        with time_machine.travel(dt.datetime(2026, 3, 25, tzinfo=UTC)):
            assert services.send_expiry_reminders() == 0
        with time_machine.travel(dt.datetime(2026, 4, 2, 11, tzinfo=UTC)):
            assert services.send_expiry_reminders() == 1

    def test_no_reminders_when_turned_off_by_the_program(self, approved, program):
        program.expiry_reminder_days = 0
        program.save()
        with time_machine.travel(dt.datetime(2026, 4, 4, tzinfo=UTC)):
            assert services.send_expiry_reminders() == 0

    def test_a_granted_extension_earns_a_new_reminder(self, approved, acme_rep, cam):
        with time_machine.travel(dt.datetime(2026, 3, 25, tzinfo=UTC)):
            assert services.send_expiry_reminders() == 1
            extension = services.request_extension(
                registration=approved, actor=acme_rep, reason="Board meets in April."
            )
            services.decide_extension(extension=extension, actor=cam, approve=True)
        with time_machine.travel(dt.datetime(2026, 4, 25, 11, tzinfo=UTC)):
            assert services.send_expiry_reminders() == 1


class TestExpiry:
    def test_protection_runs_out_on_the_nightly_job(
        self, approved, acme_rep, run_on_commit, mailoutbox
    ):
        with time_machine.travel(dt.datetime(2026, 4, 5, 9, 59, tzinfo=UTC)):
            assert services.expire_registrations() == 0
        with time_machine.travel(dt.datetime(2026, 4, 6, 1, 30, tzinfo=UTC)), run_on_commit():
            assert services.expire_registrations() == 1
            assert services.expire_registrations() == 0
        approved.refresh_from_db()
        assert approved.status == Status.EXPIRED
        event = events_for(approved).get(verb="deal.expired")
        assert (event.actor, event.from_state, event.to_state) == (None, "approved", "expired")
        assert "Deal protection expired" in mailoutbox[0].subject

    def test_a_pending_extension_request_holds_the_expiry(self, approved, acme_rep, cam):
        with time_machine.travel(dt.datetime(2026, 4, 4, tzinfo=UTC)):
            extension = services.request_extension(
                registration=approved, actor=acme_rep, reason="Signature next week."
            )
        with time_machine.travel(dt.datetime(2026, 4, 7, tzinfo=UTC)):
            assert services.expire_registrations() == 0
            services.decide_extension(
                extension=extension, actor=cam, approve=False, reason="Too late."
            )
            assert services.expire_registrations() == 1

    def test_the_now_argument_backfills_a_missed_night(self, approved):
        assert services.expire_registrations(now=dt.datetime(2026, 4, 6, tzinfo=UTC)) == 1


class TestExtensionPolicy:
    def _ask(self, registration, who, reason="Customer delayed."):
        return services.request_extension(registration=registration, actor=who, reason=reason)

    def test_none_refuses_every_request(self, approved, acme_rep, program):
        program.extension_policy = "none"
        program.save()
        with pytest.raises(ExtensionNotAllowed, match="does not allow extensions"):
            self._ask(approved, acme_rep)

    def test_once_allows_one_granted_extension(self, approved, acme_rep, cam, program):
        assert program.extension_policy == "once"
        first = self._ask(approved, acme_rep)
        with pytest.raises(ExtensionNotAllowed, match="already waiting"):
            self._ask(approved, acme_rep)
        services.decide_extension(extension=first, actor=cam, approve=True)
        with pytest.raises(ExtensionNotAllowed, match="already been extended once"):
            self._ask(approved, acme_rep)

    def test_once_does_not_count_a_refused_request(self, approved, acme_rep, cam):
        first = self._ask(approved, acme_rep)
        services.decide_extension(extension=first, actor=cam, approve=False, reason="No news.")
        second = self._ask(approved, acme_rep, reason="Signed LOI attached.")
        assert second.status == ExtensionRequest.Status.PENDING

    def test_unlimited_allows_one_pending_at_a_time(self, approved, acme_rep, cam, program):
        program.extension_policy = "unlimited"
        program.save()
        for _ in range(3):
            extension = self._ask(approved, acme_rep)
            with pytest.raises(ExtensionNotAllowed):
                self._ask(approved, acme_rep)
            services.decide_extension(extension=extension, actor=cam, approve=True)
        approved.refresh_from_db()
        assert approved.extension_count == 3

    @pytest.mark.parametrize("status", [s for s in Status.values if s != Status.APPROVED])
    def test_only_approved_registrations_can_be_extended(self, deal_in, acme_rep, status):
        with pytest.raises(ExtensionNotAllowed):
            self._ask(deal_in(status), acme_rep)

    def test_no_window_nothing_to_extend(self, deal_in, acme_rep):
        registration = deal_in(Status.APPROVED, protected_until=None)
        with pytest.raises(ExtensionNotAllowed, match="no protection window"):
            self._ask(registration, acme_rep)

    def test_a_reason_is_required(self, approved, acme_rep):
        with pytest.raises(InvalidDealData):
            self._ask(approved, acme_rep, reason=" ")

    @pytest.mark.parametrize("who", ["globex_admin", "cam", "ops", "other_cam"])
    def test_only_the_partner_side_asks(self, approved, personas, who):
        with pytest.raises(DealNotAllowed):
            self._ask(approved, personas[who])

    def test_the_distributor_may_ask_for_its_reseller(self, approved, distri_admin):
        assert self._ask(approved, distri_admin).requested_by == distri_admin


class TestDecideExtension:
    def test_approval_adds_the_extension_days_to_the_current_end(
        self, approved, acme_rep, cam, program, run_on_commit, mailoutbox
    ):
        program.extension_days = 45
        program.save()
        with time_machine.travel(dt.datetime(2026, 3, 30, tzinfo=UTC), tick=False):
            extension = services.request_extension(
                registration=approved, actor=acme_rep, reason="Procurement."
            )
            with run_on_commit():
                extension = services.decide_extension(
                    extension=extension, actor=cam, approve=True, reason="Fair."
                )
        approved.refresh_from_db()
        new_end = dt.datetime(2026, 5, 20, 10, 0, tzinfo=UTC)
        assert approved.protected_until == extension.new_protected_until == new_end
        assert (extension.status, extension.decided_by) == ("approved", cam)
        event = events_for(approved).get(verb="deal.extension_approved")
        assert event.data["to"] == new_end.isoformat()
        assert events_for(extension).get().to_state == "approved"
        assert "Extension granted" in mailoutbox[0].subject
        assert "2026-05-20" in mailoutbox[0].body

    def test_a_late_approval_counts_from_today(self, approved, acme_rep, cam):
        with time_machine.travel(dt.datetime(2026, 4, 4, tzinfo=UTC), tick=False):
            extension = services.request_extension(
                registration=approved, actor=acme_rep, reason="x"
            )
        with time_machine.travel(dt.datetime(2026, 4, 10, tzinfo=UTC), tick=False):
            services.decide_extension(extension=extension, actor=cam, approve=True)
        approved.refresh_from_db()
        assert approved.protected_until == dt.datetime(2026, 5, 10, tzinfo=UTC)

    def test_refusal_needs_a_reason_and_keeps_the_end(self, approved, acme_rep, cam):
        extension = services.request_extension(registration=approved, actor=acme_rep, reason="x")
        with pytest.raises(InvalidDealData):
            services.decide_extension(extension=extension, actor=cam, approve=False)
        services.decide_extension(extension=extension, actor=cam, approve=False, reason="No.")
        approved.refresh_from_db()
        assert approved.protected_until == dt.datetime(2026, 4, 5, 10, 0, tzinfo=UTC)

    def test_a_decided_request_cannot_be_decided_again(self, approved, acme_rep, cam):
        extension = services.request_extension(registration=approved, actor=acme_rep, reason="x")
        services.decide_extension(extension=extension, actor=cam, approve=True)
        with pytest.raises(ExtensionNotAllowed, match="already been decided"):
            services.decide_extension(extension=extension, actor=cam, approve=True)

    @pytest.mark.parametrize("who", ["acme_admin", "distri_admin", "other_cam", "globex_admin"])
    def test_only_the_manager_or_ops_decide(self, approved, acme_rep, personas, who):
        extension = services.request_extension(registration=approved, actor=acme_rep, reason="x")
        with pytest.raises(DealNotAllowed):
            services.decide_extension(extension=extension, actor=personas[who], approve=True)


class TestExpiryReminderDelivery:
    """A reminder counts as sent only once its emails are out; a failed one is tried again."""

    def test_a_failed_email_leaves_the_reminder_due_and_is_retried_once(
        self, approved, acme_rep, acme_admin, run_on_commit, mailoutbox, monkeypatch
    ):
        outage = mailserver.install(monkeypatch)
        outage.down_for = {acme_rep.email}
        with time_machine.travel(dt.datetime(2026, 3, 25, tzinfo=UTC), tick=False), run_on_commit():
            assert services.send_expiry_reminders() == 1
        approved.refresh_from_db()
        assert approved.expiry_reminded_at is None, "not delivered to everyone yet"
        assert [m.to for m in mailoutbox] == [[acme_admin.email]]
        assert not events_for(approved).filter(verb="deal.expiry_reminder_sent").exists()

        outage.down_for = set()
        with time_machine.travel(dt.datetime(2026, 3, 26, tzinfo=UTC), tick=False), run_on_commit():
            assert services.send_expiry_reminders() == 1
        approved.refresh_from_db()
        assert approved.expiry_reminded_at == dt.datetime(2026, 3, 26, tzinfo=UTC)
        assert sorted(m.to[0] for m in mailoutbox) == sorted([acme_admin.email, acme_rep.email])
        assert events_for(approved).filter(verb="deal.expiry_reminder_sent").count() == 1
        # One in-portal reminder each, however many runs it took to deliver the emails.
        assert Notification.objects.filter(kind="deal_expiry_reminder").count() == 2

        with time_machine.travel(dt.datetime(2026, 3, 27, tzinfo=UTC), tick=False), run_on_commit():
            assert services.send_expiry_reminders() == 0
        assert len(mailoutbox) == 2

    def test_a_reminder_still_being_retried_is_not_raised_twice(
        self, approved, acme_admin, mailoutbox
    ):
        # No commit callbacks: the emails are queued but the task has not run yet.
        with time_machine.travel(dt.datetime(2026, 3, 25, tzinfo=UTC)):
            assert services.send_expiry_reminders() == 1
            assert services.send_expiry_reminders() == 0
        assert EmailDelivery.objects.filter(kind="deal_expiry_reminder").count() == 2
        assert mailoutbox == []


class TestActionNoticesLeaveTheBell:
    """The reminder asks the partner to close the deal or ask for more time, the extension
    request asks a reviewer to decide: each leaves every recipient's bell once that is done."""

    REMINDED = dt.datetime(2026, 3, 25, tzinfo=UTC)

    def _remind(self):
        with time_machine.travel(self.REMINDED, tick=False):
            assert services.send_expiry_reminders() == 1

    @staticmethod
    def _unread(user, kind) -> int:
        return user.notifications.filter(kind=kind, read_at__isnull=True).count()

    @pytest.mark.parametrize("outcome", [Status.WON, Status.LOST])
    def test_closing_the_deal_clears_the_reminder(self, approved, acme_rep, acme_admin, outcome):
        self._remind()
        assert self._unread(acme_admin, "deal_expiry_reminder") == 1
        details = (
            {"closed_amount": "1000.00", "closed_on": dt.date(2026, 3, 24)}
            if outcome == Status.WON
            else {"lost_reason": "Went with a competitor"}
        )
        with time_machine.travel(self.REMINDED, tick=False):
            services.record_outcome(
                registration=approved, actor=acme_rep, outcome=outcome, **details
            )
        assert self._unread(acme_admin, "deal_expiry_reminder") == 0
        assert self._unread(acme_rep, "deal_expiry_reminder") == 0

    def test_asking_for_more_time_clears_the_reminder_and_asks_the_reviewer(
        self, approved, acme_rep, acme_admin, cam
    ):
        self._remind()
        with time_machine.travel(self.REMINDED, tick=False):
            extension = services.request_extension(
                registration=approved, actor=acme_rep, reason="Board meets in April."
            )
        assert self._unread(acme_admin, "deal_expiry_reminder") == 0
        asked = cam.notifications.get(kind="deal_extension_requested")
        assert asked.url == f"/deals/extensions/#extension-{extension.pk}"
        assert asked.read_at is None

    def test_the_extension_queue_row_is_where_the_notice_links(
        self, approved, acme_rep, cam, client
    ):
        extension = services.request_extension(
            registration=approved, actor=acme_rep, reason="Board meets in April."
        )
        client.force_login(cam)
        page = client.get(cam.notifications.get(kind="deal_extension_requested").url)
        assert f'id="extension-{extension.pk}"' in page.content.decode()

    @pytest.mark.parametrize("approve", [True, False])
    def test_a_decision_by_a_colleague_clears_the_request(
        self, approved, acme_rep, cam, ops, approve
    ):
        extension = services.request_extension(
            registration=approved, actor=acme_rep, reason="Board meets in April."
        )
        other = services.request_extension(
            registration=_another_approved(acme_rep, cam), actor=acme_rep, reason="Budget."
        )
        assert self._unread(cam, "deal_extension_requested") == 2
        services.decide_extension(
            extension=extension, actor=ops, approve=approve, reason="" if approve else "No."
        )
        left = cam.notifications.get(kind="deal_extension_requested", read_at__isnull=True)
        assert left.url.endswith(f"#extension-{other.pk}")

    def test_closing_the_deal_before_a_decision_clears_the_request(self, approved, acme_rep, cam):
        services.request_extension(
            registration=approved, actor=acme_rep, reason="Board meets in April."
        )
        services.record_outcome(
            registration=approved, actor=acme_rep, outcome=Status.LOST, lost_reason="No budget"
        )
        assert self._unread(cam, "deal_extension_requested") == 0

    def test_the_expiry_clears_the_reminder(self, approved, acme_admin):
        self._remind()
        with time_machine.travel(dt.datetime(2026, 4, 6, tzinfo=UTC), tick=False):
            assert services.expire_registrations() == 1
        assert self._unread(acme_admin, "deal_expiry_reminder") == 0
        assert self._unread(acme_admin, "deal_expired") == 1


def _another_approved(rep, cam) -> DealRegistration:
    other = services.create_registration(
        actor=rep,
        partner=rep.memberships.get().partner,
        **registration_kwargs(customer_name="Globodyne"),
    )
    return services.approve_registration(registration=other, actor=cam)
