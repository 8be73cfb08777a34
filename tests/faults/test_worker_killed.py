"""A Celery worker killed with SIGKILL in the middle of a job, then started again, finishes with
exactly the rows of an uninterrupted run on the same data.

Each test computes the uninterrupted result first, in this process, inside a transaction it
rolls back; then queues the job for a real worker, waits until the job's own progress shows
part of it done (earlier chunks committed, the next one written but not committed), kills the
worker's whole process group, checks the job is not finished, starts a new worker and waits:
the broker hands the unacknowledged message out again and the job continues after its last
committed chunk.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from deals import imports
from deals.commissions.services import run_commission_calculation
from deals.models import CommissionLine, CommissionRun, DealImport, DealRegistration
from mdf.funds.services import accrue_month
from mdf.models import LedgerEntry
from prm.models import Notification
from scorecards.models import TierProposal, TierReview
from scorecards.review import services as review_services
from tests.deals.commissions.conftest import Q3, won_deal
from tests.factories import PartnerFactory

from .conftest import wait_for

pytestmark = [
    pytest.mark.faults,
    pytest.mark.xdist_group("faults"),
    pytest.mark.django_db(transaction=True),
]


def uninterrupted(run, snapshot):
    """What ``run()`` leaves behind (``snapshot()``) when nothing goes wrong, then undone."""
    with transaction.atomic():
        run()
        rows = snapshot()
        transaction.set_rollback(True)
    assert rows, "the uninterrupted run wrote nothing: the test data is too thin"
    return rows


def interrupted(processes, *, queue, progressed, finished):
    """Queue the job, kill the worker once ``progressed()`` and before ``finished()``, start a
    new worker and wait for ``finished()``."""
    worker = processes.start_worker()
    queue()
    wait_for(progressed, timeout=60, what="the job to commit its first chunk", every=0.05)
    processes.kill(worker)
    assert not finished(), "the job finished before the kill: make the data or chunks larger"
    processes.start_worker()
    wait_for(finished, timeout=90, what="the job to finish after the restart")


def rows(queryset, *fields):
    return sorted(tuple(str(value) for value in row) for row in queryset.values_list(*fields))


# --- Quarterly tier review -------------------------------------------------------------------


def test_a_killed_tier_review_finishes_with_the_proposals_of_an_uninterrupted_one(
    processes, broker, ops, quarter, make_partner
):
    for i in range(18):
        tier = ["registered", "silver", "gold", None][i % 4]
        make_partner(tier, sales=i % 4, technical=i % 3, developers=i % 2, name=f"Partner {i}")

    def proposals():
        return rows(
            TierProposal.objects.all(),
            "partner_id", "current_tier_id", "proposed_tier_id", "qualified_tier_id", "action",
            "below_requirements", "misses", "warned", "score", "reasons", "metrics",
        )  # fmt: skip

    expected = uninterrupted(
        lambda: review_services.run_review(
            review_services.start_review(quarter=quarter.label, actor=ops, queue=False).pk
        ),
        proposals,
    )
    review = review_services.start_review(quarter=quarter.label, actor=ops, queue=False)

    def state():
        return TierReview.objects.get(pk=review.pk)

    interrupted(
        processes,
        queue=lambda: broker("scorecards.tasks.run_tier_review", review.pk),
        progressed=lambda: state().partners_done > 0,
        finished=lambda: state().status == TierReview.Status.DONE,
    )

    assert proposals() == expected
    done = state()
    assert (done.partners_done, done.partners_total) == (18, 18)
    # The follow-up job warns each partner at its first miss, once.
    warned = done.warned_count
    assert warned, "the data should leave some partners below their tier"
    wait_for(
        lambda: Notification.objects.filter(kind=review_services.KIND_WARNING).count() >= warned,
        timeout=30,
        what="the warnings",
    )
    notes = Notification.objects.filter(kind=review_services.KIND_WARNING)
    assert notes.count() == len(set(notes.values_list("user_id", flat=True))) == warned


# --- Commission run --------------------------------------------------------------------------


def test_a_killed_commission_run_finishes_with_the_lines_of_an_uninterrupted_one(
    processes, broker, ops, margin_rule, tiers
):
    partners = [PartnerFactory(display_name=f"Reseller {i}", tier=tiers[i % 3]) for i in range(4)]
    for i in range(22):
        won_deal(partners[i % 4], amount=str(1000 + 137 * i), closed_on=dt.date(2026, 7, 1 + i))

    def lines():
        return rows(
            CommissionLine.objects.all(),
            "partner_id", "deal_id", "period", "rule_id", "kind", "currency", "base_amount",
            "rate", "multiplier", "amount", "status", "hold_until",
        )  # fmt: skip

    expected = uninterrupted(lambda: run_commission_calculation(period=Q3, actor=ops), lines)
    run = CommissionRun.objects.create(period=Q3, requested_by=ops)

    def state():
        return CommissionRun.objects.get(pk=run.pk)

    interrupted(
        processes,
        queue=lambda: broker("deals.commissions.calculate", run_id=run.pk),
        progressed=lambda: state().rows_done > 0,
        finished=lambda: state().status == CommissionRun.Status.DONE,
    )

    assert lines() == expected
    assert len(expected) == 22
    assert state().rows_done == state().rows_total == 22


def test_a_commission_run_whose_pool_process_is_killed_is_run_again_by_the_same_worker(
    processes, broker, ops, margin_rule, tiers
):
    """The kernel's OOM killer takes the pool process, not the worker: the task goes back to
    the queue (reject_on_worker_lost) instead of being recorded as failed and forgotten."""
    partners = [PartnerFactory(display_name=f"Reseller {i}", tier=tiers[i % 3]) for i in range(3)]
    for i in range(20):
        won_deal(partners[i % 3], amount=str(2000 + 91 * i), closed_on=dt.date(2026, 8, 1 + i))
    run = CommissionRun.objects.create(period=Q3, requested_by=ops)

    def state():
        return CommissionRun.objects.get(pk=run.pk)

    worker = processes.start_worker()
    broker("deals.commissions.calculate", run_id=run.pk)
    wait_for(lambda: state().rows_done > 0, timeout=60, what="the first chunk", every=0.05)
    processes.kill_pool_child(worker)
    wait_for(
        lambda: state().status == CommissionRun.Status.DONE,
        timeout=90,
        what="the run to finish in the worker's new pool process",
    )
    assert worker.poll() is None, "the worker itself kept running"
    assert CommissionLine.objects.count() == 20
    assert state().rows_done == 20


# --- MDF accrual -----------------------------------------------------------------------------

MARCH = dt.date(2026, 3, 1)


def test_a_killed_mdf_accrual_finishes_with_the_ledger_of_an_uninterrupted_one(
    processes, broker, mdf_tiers
):
    for i in range(18):
        partner = PartnerFactory(display_name=f"Funded {i}", tier=mdf_tiers[1 + i % 2])
        won_deal(partner, amount=str(5000 + 250 * i), closed_on=dt.date(2026, 3, 1 + i))

    def accruals():
        return rows(
            LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ACCRUAL),
            "fund__partner_id", "fund__period", "sequence", "kind", "amount",
            "available_delta", "committed_delta", "available_after", "committed_after",
            "source_month", "reason",
        )  # fmt: skip

    expected = uninterrupted(lambda: accrue_month(month=MARCH), accruals)
    assert len(expected) == 18

    def written() -> int:
        return LedgerEntry.objects.filter(kind=LedgerEntry.Kind.ACCRUAL, source_month=MARCH).count()

    interrupted(
        processes,
        queue=lambda: broker("mdf.tasks.accrue_month", "2026-03"),
        progressed=lambda: written() > 0,
        finished=lambda: written() >= len(expected),
    )

    assert accruals() == expected
    assert sum(Decimal(row[4]) for row in expected) > 0


# --- CSV import of deal registrations ----------------------------------------------------------


@pytest.fixture
def file_storage(settings, processes):
    """Uploads on disk where the worker finds them (the tests keep them in memory otherwise)."""
    settings.MEDIA_ROOT = processes.media_root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def import_csv() -> bytes:
    close = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    lines = ["customer_name,country,estimated_amount,currency,expected_close_date,external_ref"]
    for i in range(22):
        lines.append(f"Customer {i} Holdings,US,{10000 + i * 500}.00,USD,{close},CRM-{i:03d}")
    lines.append(f"Customer 3 Again,US,100.00,USD,{close},CRM-003")  # duplicate reference
    lines.append("Undated Customer,US,100.00,USD,someday,CRM-900")  # unreadable date
    lines.append(f"Nowhere Customer,XX,100.00,USD,{close},CRM-901")  # unknown country
    return ("\n".join(lines) + "\n").encode()


def test_a_killed_csv_import_finishes_with_the_registrations_of_an_uninterrupted_one(
    processes, broker, file_storage, acme, acme_rep
):
    data = import_csv()

    def registrations():
        return rows(
            DealRegistration.objects.filter(partner=acme),
            "customer_name", "country", "estimated_amount", "currency", "expected_close_date",
            "external_ref", "status", "registered_by_id",
        )  # fmt: skip

    def report(record: DealImport):
        record.refresh_from_db()
        counts = (record.row_count, record.rows_done, record.created_count,
                  record.duplicate_count, record.failed_count)  # fmt: skip
        lines = [(r["line"], r["outcome"], r["reason"].split("#")[0]) for r in record.report]
        return counts, lines

    reference = {}

    def run_here():
        record = imports.import_registrations(
            actor=acme_rep, partner=acme, data=data, filename="crm.csv"
        )
        reference["report"] = report(record)

    expected = uninterrupted(run_here, registrations)
    assert len(expected) == 22
    record = imports.start_import(
        actor=acme_rep, partner=acme, data=data, filename="crm.csv", queue=False
    )

    def state():
        return DealImport.objects.get(pk=record.pk)

    interrupted(
        processes,
        queue=lambda: broker("deals.tasks.process_deal_import", record.pk),
        progressed=lambda: state().rows_done > 0,
        finished=lambda: state().status == DealImport.Status.DONE,
    )

    assert registrations() == expected
    assert report(record) == reference["report"]
    # Each registration was created (and audited) once.
    created = DealRegistration.objects.filter(partner=acme)
    assert created.count() == len({r.external_ref for r in created}) == 22
