"""Deal imports as background jobs: progress, resuming after a crash, savepoints, tenancy."""

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import DataError
from django.urls import reverse
from django.utils import timezone

from deals import imports
from deals.models import DealImport, DealRegistration
from deals.tasks import process_deal_import

pytestmark = pytest.mark.django_db
HEADER = "customer_name,country,estimated_amount,currency,expected_close_date,external_ref"


def _future(days=30) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def _csv(n: int) -> bytes:
    rows = [f"Customer {i} Corp,US,{1000 + i},USD,{_future()},REF-{i}" for i in range(n)]
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _start(actor, partner, data, **kwargs) -> DealImport:
    return imports.start_import(
        actor=actor, partner=partner, data=data, filename="crm.csv", queue=False, **kwargs
    )


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(DealImport, "chunk_size", 2)


def _crash_on(monkeypatch, customer: str):
    """The worker dies (an error nobody catches) right after the chunk holding ``customer``'s
    row is written, before that chunk commits."""
    real = imports.create_registrations

    def dying(**kwargs):
        outcomes = real(**kwargs)
        if any(item["customer_name"] == customer for item in kwargs["items"]):
            raise SystemExit("worker killed")
        return outcomes

    monkeypatch.setattr(imports, "create_registrations", dying)


class TestJob:
    def test_the_upload_is_checked_and_stored_then_waits_for_the_worker(self, acme, acme_rep):
        record = _start(acme_rep, acme, _csv(3))
        assert (record.status, record.row_count, record.rows_done) == ("queued", 3, 0)
        assert record.read_data() == _csv(3)
        assert not DealRegistration.objects.exists()

    def test_the_task_is_queued_only_after_the_upload_commits(
        self, acme, acme_rep, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            record = imports.start_import(actor=acme_rep, partner=acme, data=_csv(2))
            assert DealImport.objects.get().status == "queued"
        record.refresh_from_db()
        assert (record.status, record.created_count) == ("done", 2)
        assert process_deal_import.acks_late

    def test_progress_is_committed_after_each_chunk_and_a_rerun_continues_without_duplicates(
        self, acme, acme_rep, small_chunks, monkeypatch
    ):
        record = _start(acme_rep, acme, _csv(6))  # lines 2–7, chunks of two
        _crash_on(monkeypatch, "Customer 5 Corp")  # line 7, in the third chunk
        with pytest.raises(SystemExit):
            process_deal_import.apply(args=[record.pk], throw=True)
        record.refresh_from_db()
        # Two chunks committed; the third (lines 6 and 7 written, then the crash) rolled back.
        assert (record.status, record.rows_done, record.last_line) == ("running", 4, 5)
        assert (record.created_count, record.percent) == (4, 66)
        assert DealRegistration.objects.count() == 4

        monkeypatch.undo()
        monkeypatch.setattr(DealImport, "chunk_size", 2)
        process_deal_import.apply(args=[record.pk], throw=True)
        process_deal_import.apply(args=[record.pk], throw=True)  # delivered twice: no effect
        record.refresh_from_db()
        assert (record.status, record.rows_done, record.created_count) == ("done", 6, 6)
        assert [row["line"] for row in record.report] == [2, 3, 4, 5, 6, 7]
        refs = sorted(DealRegistration.objects.values_list("external_ref", flat=True))
        assert refs == [f"REF-{i}" for i in range(6)]

    def test_a_row_failing_in_the_database_is_one_failed_line(self, acme, acme_rep, monkeypatch):
        def failing_batch(**kwargs):
            raise DataError("value too long for type character varying(253)")

        real = imports.create_registration

        def failing(**kwargs):
            registration = real(**kwargs)
            if kwargs["customer_name"] == "Customer 1 Corp":
                raise DataError("value too long for type character varying(253)")
            return registration

        # The batch fails in the database, so the chunk is imported again row by row.
        monkeypatch.setattr(imports, "create_registrations", failing_batch)
        monkeypatch.setattr(imports, "create_registration", failing)
        record = imports.import_registrations(actor=acme_rep, partner=acme, data=_csv(3))
        assert [r["outcome"] for r in record.report] == ["created", "failed", "created"]
        assert "could not be stored" in record.report[1]["reason"]
        # The savepoint undid the failing row's insert and kept its neighbours.
        names = set(DealRegistration.objects.values_list("customer_name", flat=True))
        assert names == {"Customer 0 Corp", "Customer 2 Corp"}

    def test_a_stored_file_that_cannot_be_read_fails_the_job_with_its_reason(self, acme, acme_rep):
        record = _start(acme_rep, acme, _csv(1))
        record.upload.save("broken.csv", ContentFile(b"name\nx\n"))
        record = imports.process_import(import_id=record.pk)
        assert record.status == "failed"
        assert "lacks the required columns" in record.error

    def test_one_summary_notification_for_the_reviewers_instead_of_one_per_row(
        self, acme, acme_rep, cam, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            imports.import_registrations(actor=acme_rep, partner=acme, data=_csv(5))
        to_cam = [m for m in mail.outbox if cam.email in m.to]
        assert len(to_cam) == 1
        assert "imported 5 deal registrations to review" in to_cam[0].subject
        assert cam.notifications.filter(kind="deal_submitted").count() == 1


class TestResumeCommand:
    def test_resumes_a_stalled_import_where_it_stopped(
        self, acme, acme_rep, small_chunks, monkeypatch
    ):
        record = _start(acme_rep, acme, _csv(4))
        _crash_on(monkeypatch, "Customer 3 Corp")
        with pytest.raises(SystemExit):
            imports.process_import(import_id=record.pk)
        monkeypatch.undo()
        fresh = _start(acme_rep, acme, _csv(1))  # queued a moment ago: not stalled
        DealImport.objects.filter(pk=record.pk).update(
            updated_at=timezone.now() - dt.timedelta(minutes=30)
        )
        out = StringIO()
        call_command("resume_imports", stdout=out)
        record.refresh_from_db()
        assert f"deal import #{record.pk}: resuming after line 3" in out.getvalue()
        assert (record.status, record.created_count) == ("done", 4)
        assert DealRegistration.objects.count() == 4
        fresh.refresh_from_db()
        assert fresh.status == "queued"


class TestPages:
    def test_a_running_import_shows_its_progress_and_the_partial_polls(
        self, client_for, acme, acme_rep
    ):
        record = _start(acme_rep, acme, _csv(3))
        DealImport.objects.filter(pk=record.pk).update(status="running", rows_done=1)
        client = client_for(acme_rep)
        page = client.get(record.get_absolute_url()).content.decode()
        progress_url = reverse("deals:import_progress", args=[record.pk])
        assert f'hx-get="{progress_url}"' in page
        assert '<progress max="3" value="1"' in page
        assert "report-download" not in page
        partial = client.get(progress_url, headers={"HX-Request": "true"})
        assert "1 of 3 rows" in partial.content.decode()
        assert "HX-Refresh" not in partial

    def test_a_finished_import_asks_the_polling_page_to_reload(self, client_for, acme, acme_rep):
        record = imports.import_registrations(actor=acme_rep, partner=acme, data=_csv(2))
        client = client_for(acme_rep)
        partial = client.get(
            reverse("deals:import_progress", args=[record.pk]), headers={"HX-Request": "true"}
        )
        assert partial["HX-Refresh"] == "true"
        assert "hx-get" not in partial.content.decode()
        page = client.get(record.get_absolute_url()).content.decode()
        assert 'data-testid="import-report"' in page and "report-download" in page

    def test_a_failed_import_shows_why(self, client_for, acme, acme_rep):
        record = _start(acme_rep, acme, _csv(1))
        DealImport.objects.filter(pk=record.pk).update(status="failed", error="Broken file.")
        page = client_for(acme_rep).get(record.get_absolute_url()).content.decode()
        assert 'data-testid="import-error"' in page and "Broken file." in page
        assert "<progress" not in page

    def test_another_partner_cannot_see_the_import(self, client_for, acme, acme_rep, globex_admin):
        record = imports.import_registrations(actor=acme_rep, partner=acme, data=_csv(1))
        client = client_for(globex_admin)
        for name in ("import_detail", "import_progress", "import_report"):
            assert client.get(reverse(f"deals:{name}", args=[record.pk])).status_code == 404
