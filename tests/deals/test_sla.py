"""The approval SLA: due times in business days, reminders before, escalation after; each once."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from deals import services
from deals.models import DealRegistration
from deals.sla import add_business_days, start_of_business_time
from prm.audit import events_for
from prm.models import ChannelTeam
from tests.prm import mailserver

from .factories import registration_kwargs

Status = DealRegistration.Status
UTC = dt.UTC


def at(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> dt.datetime:
    """A moment in March 2026: the 2nd is a Monday, the 7th/8th a weekend."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


class TestBusinessDays:
    @pytest.mark.parametrize(
        ("start", "days", "due"),
        [
            (at(2, 10), 2, at(4, 10)),  # Monday → Wednesday
            (at(5, 15), 2, at(9, 15)),  # Thursday → Monday, over the weekend
            (at(6, 15), 2, at(10, 15)),  # Friday → Tuesday
            (at(6, 23, 59), 1, at(9, 23, 59)),  # Friday night → Monday night
            (at(7, 10), 2, at(11, 0)),  # Saturday: the clock starts Monday 00:00
            (at(8, 23), 1, at(10, 0)),  # Sunday
            (at(2, 10), 0, at(2, 10)),
            (at(2, 9), 5, at(9, 9)),  # a whole week
            (at(27, 12), 3, at(1, 12, month=4)),  # across a month end
        ],
    )
    def test_due_times_skip_weekends(self, start, days, due):
        assert add_business_days(start, days) == due

    def test_wall_clock_time_survives_a_daylight_saving_change(self, settings):
        settings.TIME_ZONE = "Europe/Berlin"
        with timezone.override("Europe/Berlin"):
            # Clocks go forward on Sunday 29 March 2026.
            start = timezone.make_aware(dt.datetime(2026, 3, 27, 14, 0))
            due = add_business_days(start, 1)
            assert timezone.localtime(due).replace(tzinfo=None) == dt.datetime(2026, 3, 30, 14, 0)
            # 71 real hours: the lost hour of the night is not added back.
            assert due.astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(hours=71)

    def test_negative_days_are_refused(self):
        with pytest.raises(ValueError):
            add_business_days(at(2), -1)

    def test_start_of_business_time(self):
        assert start_of_business_time(at(3, 9)) == at(3, 9)
        assert start_of_business_time(at(7, 9)) == at(9, 0)


@pytest.mark.django_db
class TestDueTimes:
    def test_a_friday_registration_is_due_on_tuesday(self, acme, acme_rep, program):
        with time_machine.travel(at(6, 16), tick=False):
            registration = services.create_registration(
                actor=acme_rep, partner=acme, **registration_kwargs()
            )
        assert registration.sla_due_at == at(10, 16)
        assert events_for(registration).get(verb="deal.submitted").rule == (
            "Decision due within 2 business days"
        )

    def test_the_program_sets_the_number_of_days(self, acme, acme_rep, program):
        program.approval_sla_business_days = 5
        program.save()
        with time_machine.travel(at(7, 11), tick=False):
            registration = services.create_registration(
                actor=acme_rep, partner=acme, **registration_kwargs()
            )
        # Saturday: the clock starts Monday 9th at 00:00, five business days later is the 16th.
        assert registration.sla_due_at == at(16, 0)

    def test_the_same_sla_for_every_tier(self, acme, globex, acme_rep, globex_admin, program):
        assert acme.tier.rank != globex.tier.rank
        with time_machine.travel(at(3, 9), tick=False):
            low = services.create_registration(
                actor=acme_rep, partner=acme, **registration_kwargs()
            )
            high = services.create_registration(
                actor=globex_admin, partner=globex, **registration_kwargs()
            )
        assert low.sla_due_at == high.sla_due_at

    def test_asking_for_information_stops_the_clock(self, deal_in, cam):
        registration = deal_in(Status.SUBMITTED, sla_due_at=timezone.now() - dt.timedelta(hours=1))
        assert registration.sla_breached
        registration = services.request_more_info(
            registration=registration, actor=cam, reason="Which site?"
        )
        assert not registration.sla_breached
        assert registration.sla_answered_late


@pytest.mark.django_db
class TestReminderAndEscalation:
    @pytest.fixture
    def submitted(self, acme, acme_rep, program):
        program.sla_reminder_hours = 8
        program.save()
        with time_machine.travel(at(2, 9), tick=False):  # due Wednesday 4th, 09:00
            return services.create_registration(
                actor=acme_rep, partner=acme, **registration_kwargs()
            )

    def test_the_reviewer_is_reminded_once_before_the_due_time(
        self, submitted, cam, run_on_commit, mailoutbox
    ):
        with time_machine.travel(at(3, 23), tick=False), run_on_commit():
            assert services.process_sla() == {"reminded": 0, "escalated": 0}
        with time_machine.travel(at(4, 2), tick=False), run_on_commit():
            assert services.process_sla() == {"reminded": 1, "escalated": 0}
        with time_machine.travel(at(4, 3), tick=False), run_on_commit():
            assert services.process_sla() == {"reminded": 0, "escalated": 0}
        assert [m.to for m in mailoutbox] == [[cam.email]]
        assert "Decision due 2026-03-04 09:00" in mailoutbox[0].subject
        submitted.refresh_from_db()
        assert submitted.sla_reminded_at == at(4, 2)

    def test_a_breach_is_escalated_once_to_the_team_lead(
        self, submitted, cam, run_on_commit, mailoutbox
    ):
        lead = ChannelTeam.objects.get(name="Resale team").lead
        with time_machine.travel(at(4, 9, 1), tick=False), run_on_commit():
            assert services.process_sla() == {"reminded": 0, "escalated": 1}
        with time_machine.travel(at(5, 9), tick=False), run_on_commit():
            assert services.process_sla() == {"reminded": 0, "escalated": 0}
        assert [m.to for m in mailoutbox] == [[lead.email]]
        assert "Overdue deal decision" in mailoutbox[0].subject
        event = events_for(submitted).get(verb="deal.sla_escalated")
        assert event.data == {"escalated_to": [lead.email]}
        submitted.refresh_from_db()
        assert submitted.sla_escalated_at == at(4, 9, 1)

    def test_without_a_team_lead_ops_hear_of_the_breach(
        self, submitted, acme, ops, run_on_commit, mailoutbox
    ):
        acme.team = None
        acme.save()
        with time_machine.travel(at(6), tick=False), run_on_commit():
            services.process_sla()
        assert [m.to for m in mailoutbox] == [[ops.email]]

    def test_a_resubmission_gets_its_own_reminder_and_escalation(self, submitted, cam, acme_rep):
        with time_machine.travel(at(5), tick=False):
            assert services.process_sla() == {"reminded": 0, "escalated": 1}
            services.reject_registration(registration=submitted, actor=cam, reason="Incomplete")
        with time_machine.travel(at(9, 10), tick=False):
            services.submit_registration(registration=submitted, actor=acme_rep)
        with time_machine.travel(at(11, 3), tick=False):
            assert services.process_sla() == {"reminded": 1, "escalated": 0}
        with time_machine.travel(at(11, 11), tick=False):
            assert services.process_sla() == {"reminded": 0, "escalated": 1}

    def test_decided_registrations_are_left_alone(self, submitted, cam):
        services.approve_registration(registration=submitted, actor=cam)
        with time_machine.travel(at(20), tick=False):
            assert services.process_sla() == {"reminded": 0, "escalated": 0}

    def test_reminder_kind_can_be_turned_off(self, submitted, cam, run_on_commit, mailoutbox):
        cam.notification_preferences.create(kind="deal_sla_reminder", email=False, in_portal=False)
        with time_machine.travel(at(4, 2), tick=False), run_on_commit():
            assert services.process_sla()["reminded"] == 1
        assert mailoutbox == []

    def test_an_undelivered_reminder_stays_due_and_is_retried(
        self, submitted, cam, run_on_commit, mailoutbox, monkeypatch
    ):
        outage = mailserver.install(monkeypatch)
        outage.down_for = {cam.email}
        with time_machine.travel(at(4, 2), tick=False), run_on_commit():
            assert services.process_sla()["reminded"] == 1
        submitted.refresh_from_db()
        assert submitted.sla_reminded_at is None and mailoutbox == []
        outage.down_for = set()
        with time_machine.travel(at(4, 3), tick=False), run_on_commit():
            assert services.process_sla()["reminded"] == 1
        with time_machine.travel(at(4, 4), tick=False), run_on_commit():
            assert services.process_sla()["reminded"] == 0
        submitted.refresh_from_db()
        assert submitted.sla_reminded_at == at(4, 3)
        assert [m.to for m in mailoutbox] == [[cam.email]]
        assert events_for(submitted).filter(verb="deal.sla_reminder_sent").count() == 1
