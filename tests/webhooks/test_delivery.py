"""Delivery: retries with exponential backoff for a day (controlled clock), attempts logged,
pausing a failing endpoint with its owner told, ordering per object, nothing before commit."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from prm.models import Notification
from prm.webhooks import delivery, publish, selectors, services
from prm.webhooks.models import WebhookDelivery, WebhookEndpoint

Status = WebhookDelivery.Status
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_the_backoff_doubles_from_a_minute_and_stops_after_a_day():
    times = delivery.retry_schedule(START)
    waits = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert waits[:5] == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    assert max(waits) == dt.timedelta(hours=4)
    assert times[-1] == START + dt.timedelta(days=1)
    assert all(a < b for a, b in zip(times, times[1:], strict=False))


def test_a_failing_delivery_is_retried_on_schedule_then_given_up(
    receiver, endpoint_for, acme, run_on_commit, settings
):
    settings.PRM_WEBHOOK_PAUSE_AFTER_FAILURES = 1000
    endpoint_for(receiver.url, ["partner.tier_changed"])
    receiver.statuses = [500] * 100
    with time_machine.travel(START, tick=False) as clock:
        with run_on_commit():
            (row,) = publish("partner.tier_changed", acme, partner=acme)
        row.refresh_from_db()
        assert (row.status, row.attempt_count) == (Status.PENDING, 1)
        assert row.next_attempt_at == START + dt.timedelta(minutes=1)

        # Not due yet: the sweep leaves it alone.
        clock.move_to(START + dt.timedelta(seconds=59))
        assert selectors.due_delivery_ids(dt.datetime.now(dt.UTC)) == []

        schedule = delivery.retry_schedule(START)
        for when in schedule[1:]:
            clock.move_to(when)
            assert selectors.due_delivery_ids(when) == [row.pk]
            with run_on_commit():
                delivery.send_delivery(delivery_id=row.pk)
        row.refresh_from_db()
    assert row.status == Status.FAILED
    assert row.attempt_count == len(schedule) == len(receiver.requests)
    attempts = list(row.attempts.order_by("number"))
    assert [a.attempted_at for a in attempts] == schedule
    assert {a.status_code for a in attempts} == {500}
    assert attempts[0].response_body == "receiver is down"
    assert all(a.duration_ms >= 0 and not a.succeeded for a in attempts)


def test_a_retry_that_succeeds_completes_the_delivery(receiver, endpoint_for, acme, run_on_commit):
    endpoint_for(receiver.url, ["partner.tier_changed"])
    receiver.statuses = [503]
    with time_machine.travel(START, tick=False) as clock:
        with run_on_commit():
            (row,) = publish("partner.tier_changed", acme, partner=acme)
        clock.move_to(START + dt.timedelta(minutes=1))
        delivery.send_delivery(delivery_id=row.pk)
    row.refresh_from_db()
    assert row.status == Status.SUCCEEDED
    assert [a.status_code for a in row.attempts.order_by("number")] == [503, 200]
    assert row.endpoint.consecutive_failures == 0


def test_a_redirect_is_a_failure_and_is_not_followed(receiver, endpoint_for, acme, run_on_commit):
    endpoint_for(receiver.url, ["partner.tier_changed"])
    receiver.statuses = [302]
    with run_on_commit():
        (row,) = publish("partner.tier_changed", acme, partner=acme)
    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert len(receiver.requests) == 1


def test_an_unreachable_endpoint_is_logged_as_an_error(endpoint_for, acme, run_on_commit):
    endpoint_for("http://127.0.0.1:9/nothing-listens", ["partner.tier_changed"])
    with run_on_commit():
        (row,) = publish("partner.tier_changed", acme, partner=acme)
    attempt = row.attempts.get()
    assert attempt.status_code is None and "ConnectionError" in attempt.error


def test_an_endpoint_that_keeps_failing_is_paused_and_its_owners_told(
    receiver, endpoint_for, acme, acme_admin, globex_admin, run_on_commit, settings
):
    settings.PRM_WEBHOOK_PAUSE_AFTER_FAILURES = 3
    endpoint = endpoint_for(receiver.url, ["partner.tier_changed"], partner=acme, actor=acme_admin)
    receiver.statuses = [500] * 10
    with time_machine.travel(START, tick=False) as clock:
        with run_on_commit():
            (row,) = publish("partner.tier_changed", acme, partner=acme)
        for minutes in (1, 3):
            clock.move_to(START + dt.timedelta(minutes=minutes))
            delivery.send_delivery(delivery_id=row.pk)
        endpoint.refresh_from_db()
        assert endpoint.status == WebhookEndpoint.Status.PAUSED
        assert "3 failed attempts" in endpoint.paused_reason
        note = Notification.objects.get(user=acme_admin, kind="webhooks.endpoint_paused")
        assert receiver.url in note.title
        assert not Notification.objects.filter(user=globex_admin).exists()

        # Paused: nothing is sent, even when due; new events wait too.
        clock.move_to(START + dt.timedelta(hours=1))
        assert selectors.due_delivery_ids(dt.datetime.now(dt.UTC)) == []
        delivery.send_delivery(delivery_id=row.pk)
        with run_on_commit():
            (later,) = publish("partner.tier_changed", acme, partner=acme)
        assert len(receiver.requests) == 3

        receiver.statuses = []
        with run_on_commit():
            services.resume_endpoint(endpoint=endpoint, actor=acme_admin)
    row.refresh_from_db()
    later.refresh_from_db()
    assert (row.status, later.status) == (Status.SUCCEEDED, Status.SUCCEEDED)
    assert [r["body"] for r in receiver.requests[3:]] == [
        delivery.body_of(row),
        delivery.body_of(later),
    ]


def test_a_later_event_for_the_same_object_waits_for_the_earlier_one(
    receiver, endpoint_for, acme, globex, run_on_commit
):
    endpoint_for(receiver.url, ["partner.tier_changed"])
    receiver.statuses = [500]
    with time_machine.travel(START, tick=False) as clock:
        with run_on_commit():
            (first,) = publish("partner.tier_changed", acme, partner=acme)
            (second,) = publish("partner.tier_changed", acme, partner=acme)
            (other,) = publish("partner.tier_changed", globex, partner=globex)
        # The first failed; the second (same partner) is held back, another object is not.
        first.refresh_from_db()
        second.refresh_from_db()
        other.refresh_from_db()
        assert (first.status, second.status, other.status) == (
            Status.PENDING,
            Status.PENDING,
            Status.SUCCEEDED,
        )
        assert second.attempt_count == 0
        clock.move_to(START + dt.timedelta(minutes=1))
        with run_on_commit():
            delivery.send_delivery(delivery_id=first.pk)
    second.refresh_from_db()
    assert second.status == Status.SUCCEEDED
    sent = [e["id"] for e in receiver.events()]
    assert sent == [str(first.event_id), str(other.event_id), str(first.event_id),
                    str(second.event_id)]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_sends_nothing(receiver, ops, acme):
    services.create_endpoint(actor=ops, url=receiver.url, event_types=["partner.tier_changed"])
    with pytest.raises(RuntimeError), transaction.atomic():
        publish("partner.tier_changed", acme, partner=acme)
        raise RuntimeError("the change fails after publishing")
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []

    with transaction.atomic():
        publish("partner.tier_changed", acme, partner=acme)
        assert receiver.requests == []  # not before the commit
    assert len(receiver.requests) == 1


def test_the_command_sends_what_is_due(receiver, endpoint_for, acme, run_on_commit):
    from django.core.management import call_command

    endpoint_for(receiver.url, ["partner.tier_changed"])
    receiver.statuses = [500]
    with time_machine.travel(START, tick=False) as clock:
        with run_on_commit():
            (row,) = publish("partner.tier_changed", acme, partner=acme)
        call_command("send_due_webhooks")
        assert len(receiver.requests) == 1  # not due yet
        clock.move_to(START + dt.timedelta(minutes=1))
        call_command("send_due_webhooks")
    row.refresh_from_db()
    assert row.status == Status.SUCCEEDED and len(receiver.requests) == 2
