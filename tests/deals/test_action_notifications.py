"""A notification that asks someone to act leaves every recipient's bell once the action is
taken, by whoever takes it: the bell counts what still needs the user."""

import pytest

from deals import services
from deals.models import DealRegistration
from prm.models import Notification
from prm.notifications import resolve, unread_action_count

from .factories import registration_kwargs

pytestmark = pytest.mark.django_db
Status = DealRegistration.Status


@pytest.fixture
def submitted(acme, acme_rep, cam):
    return services.create_registration(actor=acme_rep, partner=acme, **registration_kwargs())


def _unread(user, kind) -> int:
    return user.notifications.filter(kind=kind, read_at__isnull=True).count()


def test_resolve_marks_only_the_unread_notifications_of_the_kinds_linking_to_the_page(cam, ops):
    for user in (cam, ops):
        Notification.objects.create(user=user, kind="deal_submitted", title="A", url="/deals/1/")
    Notification.objects.create(user=cam, kind="deal_submitted", title="B", url="/deals/2/")
    Notification.objects.create(user=cam, kind="deal_withdrawn", title="C", url="/deals/1/")
    assert resolve("/deals/1/", ["deal_submitted"]) == 2
    left = set(Notification.objects.filter(read_at__isnull=True).values_list("title", flat=True))
    assert left == {"B", "C"}
    assert resolve("/deals/1/", ["deal_submitted"]) == 0
    assert resolve("", ["deal_submitted"]) == 0


def test_a_decision_by_a_colleague_clears_the_channel_managers_bell(submitted, cam, ops):
    assert _unread(cam, "deal_submitted") == 1
    before = unread_action_count(cam)
    services.approve_registration(registration=submitted, actor=ops)
    assert _unread(cam, "deal_submitted") == 0
    assert unread_action_count(cam) == before - 1
    assert cam.notifications.filter(kind="deal_submitted").count() == 1  # kept, read


@pytest.mark.parametrize("decision", ["reject", "more_info", "withdraw"])
def test_every_way_out_of_review_clears_the_reviewers(submitted, cam, acme_rep, decision):
    if decision == "reject":
        services.reject_registration(registration=submitted, actor=cam, reason="Not a fit")
    elif decision == "more_info":
        services.request_more_info(registration=submitted, actor=cam, reason="Which product?")
    else:
        services.withdraw_registration(registration=submitted, actor=acme_rep)
    assert _unread(cam, "deal_submitted") == 0


def test_the_partner_answering_clears_its_request_for_information(submitted, cam, acme_rep):
    services.request_more_info(registration=submitted, actor=cam, reason="Which product?")
    assert _unread(acme_rep, "deal_more_info") == 1
    services.submit_registration(registration=submitted, actor=acme_rep)
    assert _unread(acme_rep, "deal_more_info") == 0
    # The answer is a new submission: the reviewer is asked again.
    assert _unread(cam, "deal_submitted") == 1


def test_another_registration_keeps_its_notification(acme, acme_rep, cam, ops, submitted):
    other = services.create_registration(
        actor=acme_rep, partner=acme, **registration_kwargs(customer_name="Globodyne")
    )
    services.approve_registration(registration=submitted, actor=ops)
    assert _unread(cam, "deal_submitted") == 1
    assert cam.notifications.get(kind="deal_submitted", read_at__isnull=True).url.endswith(
        f"/{other.pk}/review/"
    )
