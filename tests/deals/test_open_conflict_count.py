"""A registration's stored count of open conflicts (``open_conflict_count``): kept right by the
conflict services on every path that records or resolves a conflict, filled once by its
migration, and the review queue's "conflicts" sort."""

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from deals import services
from deals.conflicts import ConflictAlreadyResolved, record_conflicts, resolve_conflict
from deals.models import DealConflict, DealRegistration
from deals.services.bulk import create_registrations

from .conflict_factories import AccountFactory, OpportunityFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def stored_and_actual(registration: DealRegistration) -> tuple[int, int]:
    stored = DealRegistration.objects.get(pk=registration.pk).open_conflict_count
    return stored, registration.conflicts.filter(resolution=DealConflict.Resolution.OPEN).count()


@pytest.fixture
def held_by_globex(globex):
    return RegistrationFactory(
        partner=globex,
        customer_name="Initech LLC",
        customer_domain="initech.com",
        status="approved",
        first_submitted_at=timezone.now() - dt.timedelta(days=30),
    )


@pytest.fixture
def initech_opportunity():
    account = AccountFactory(name="Initech", domain="initech.com", country="US")
    return OpportunityFactory(account=account)


@pytest.fixture
def acme_claim(acme, acme_rep, held_by_globex, initech_opportunity):
    """An Acme registration of Initech, clashing with Globex's and with the vendor's own."""
    return RegistrationFactory(
        partner=acme,
        registered_by=acme_rep,
        customer_name="Initech Inc.",
        customer_domain="www.initech.com",
        contact_email="cto@initech.com",
    )


def test_recording_counts_each_new_conflict_once(acme_claim):
    recorded = record_conflicts(registration=acme_claim)
    assert len(recorded) == 2
    assert stored_and_actual(acme_claim) == (2, 2)
    assert acme_claim.open_conflict_count == 2
    record_conflicts(registration=acme_claim)  # a resubmission records nothing new
    assert stored_and_actual(acme_claim) == (2, 2)


def test_each_resolution_takes_one_off(acme_claim, cam):
    first, second = record_conflicts(registration=acme_claim)
    resolve_conflict(conflict=first, actor=cam, resolution="not_a_conflict", reason="Other site")
    assert stored_and_actual(acme_claim) == (1, 1)
    with pytest.raises(ConflictAlreadyResolved):
        resolve_conflict(conflict=first, actor=cam, resolution="not_a_conflict", reason="Again")
    assert stored_and_actual(acme_claim) == (1, 1)
    resolve_conflict(conflict=second, actor=cam, resolution="new_registration", reason="Ours")
    assert stored_and_actual(acme_claim) == (0, 0)


def test_first_registered_wins_rejects_the_later_one_with_its_count_right(
    acme_claim, held_by_globex, cam
):
    conflict = next(
        c for c in record_conflicts(registration=acme_claim) if c.existing_registration_id
    )
    resolve_conflict(conflict=conflict, actor=cam, resolution="first_registered", reason="First")
    acme_claim.refresh_from_db()
    assert acme_claim.status == DealRegistration.Status.REJECTED
    assert stored_and_actual(acme_claim) == (1, 1)
    assert stored_and_actual(held_by_globex) == (0, 0)


def test_withdrawing_keeps_the_count_and_resubmitting_counts_new_ones(acme_claim, acme_rep):
    record_conflicts(registration=acme_claim)
    services.withdraw_registration(registration=acme_claim, actor=acme_rep, reason="Lost it")
    assert stored_and_actual(acme_claim) == (2, 2)
    answered = RegistrationFactory(
        partner=acme_claim.partner, registered_by=acme_rep, customer_name="Initech Corp",
        customer_domain="initech.com", status="more_info",
    )  # fmt: skip
    services.submit_registration(registration=answered, actor=acme_rep)
    stored, actual = stored_and_actual(answered)
    assert stored == actual > 0


def test_a_batch_of_submissions_counts_its_conflicts(acme, acme_rep, held_by_globex):
    items = [
        {"customer_name": "Initech Holdings", "customer_domain": "initech.com"},
        {"customer_name": "Initech Labs", "contact_email": "it@initech.com"},
        {"customer_name": "Unrelated Widgets"},
    ]
    common = {"country": "US", "estimated_amount": "1000", "currency": "USD",
              "expected_close_date": timezone.localdate() + dt.timedelta(days=60)}  # fmt: skip
    created = create_registrations(
        actor=acme_rep, partner=acme, items=[{**common, **item} for item in items]
    )
    counts = [stored_and_actual(registration) for registration in created]
    assert counts == [(1, 1), (2, 2), (0, 0)]  # the second also clashes with the first
    assert [r.open_conflict_count for r in created] == [1, 2, 0]


def test_the_migration_counts_the_open_conflicts_already_there(acme_claim, cam):
    first, _second = record_conflicts(registration=acme_claim)
    resolve_conflict(conflict=first, actor=cam, resolution="not_a_conflict", reason="No")
    DealRegistration.objects.update(open_conflict_count=0)
    migration = import_module("deals.migrations.0024_open_conflict_count")
    migration.count_open_conflicts(apps, None)
    assert stored_and_actual(acme_claim) == (1, 1)


def test_the_review_queue_sorts_by_open_conflicts(client_for, cam, deal_in):
    deals = [deal_in(DealRegistration.Status.SUBMITTED) for _ in range(4)]
    for deal, count in zip(deals, [2, 0, 5, 2], strict=True):
        DealRegistration.objects.filter(pk=deal.pk).update(open_conflict_count=count)
    client = client_for(cam)
    url = reverse("deals:review_queue")
    ascending = client.get(url, {"sort": "conflicts"}).context["page_obj"].object_list
    assert [(d.pk, d.open_conflict_count) for d in ascending] == [
        (deals[1].pk, 0), (deals[0].pk, 2), (deals[3].pk, 2), (deals[2].pk, 5)
    ]  # fmt: skip
    descending = client.get(url, {"sort": "-conflicts"}).context["page_obj"].object_list
    assert [d.pk for d in descending] == [deals[2].pk, deals[3].pk, deals[0].pk, deals[1].pk]
    page = client.get(url, {"sort": "-conflicts"}).content.decode()
    assert "5 open" in page
