"""CSV import from the learning system: each row on its own, line-numbered report, idempotent."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from enablement import imports
from enablement.exceptions import ImportFileError
from enablement.imports import import_completions, process_import, report_csv, start_import
from enablement.models import CertificationImport, PersonCertification
from enablement.tasks import process_certification_import
from prm import jobs
from prm.audit import events_for
from tests.factories import OfficeFactory

from .factories import CertificationFactory

HEADER = "email,certification_code,earned_on,external_id,office\n"


@pytest.fixture
def catalogue(db):
    return [
        CertificationFactory(code="sales-pro", kind="sales"),
        CertificationFactory(code="dev-pro", kind="developer"),
    ]


@pytest.fixture
def lyon(acme):
    return OfficeFactory(partner=acme, name="Lyon", country="FR", region="EMEA")


def sample(acme_rep, acme_admin):
    return (
        HEADER
        + f"{acme_rep.email},sales-pro,2026-01-15,lms-1,\n"  # line 2: good
        + "nobody@nowhere.example,sales-pro,2026-01-15,lms-2,\n"  # line 3: unknown person
        + f"{acme_admin.email},no-such-cert,2026-01-15,lms-3,\n"  # line 4: unknown code
        + f"{acme_admin.email},dev-pro,15/01/2026,lms-4,\n"  # line 5: bad date
        + f"{acme_admin.email.upper()},dev-pro,2026-02-01,lms-5,lyon\n"  # line 6: good, office
        + f"{acme_admin.email},dev-pro,2026-02-02,,Atlantis\n"  # line 7: unknown office
    )


def test_good_rows_import_and_bad_rows_report_their_line(
    ops, acme_rep, acme_admin, catalogue, lyon
):
    run = import_completions(actor=ops, text=sample(acme_rep, acme_admin), file_name="lms.csv")

    assert (run.imported, run.unchanged, run.failed) == (2, 0, 4)
    failed = {row["line"]: row["reason"] for row in run.report if row["outcome"] == "failed"}
    assert set(failed) == {3, 4, 5, 7}
    assert "nobody@nowhere.example" in failed[3]
    assert "no-such-cert" in failed[4]
    assert "YYYY-MM-DD" in failed[5]
    assert "Atlantis" in failed[7]
    admin_cert = PersonCertification.objects.get(user=acme_admin)
    assert (admin_cert.office, admin_cert.region, admin_cert.source) == (lyon, "EMEA", "import")
    assert [e.verb for e in events_for(run).order_by("pk")] == [
        "certification.import_started",
        "certification.imported",
    ]


def test_a_row_with_more_values_than_the_header_is_refused_with_its_line(ops, acme_rep, catalogue):
    text = HEADER + f"{acme_rep.email},sales-pro,2026-02-01,,,extra,values\n"
    run = import_completions(actor=ops, text=text)
    assert (run.imported, run.failed) == (0, 1)
    (row,) = run.report
    assert (row["line"], row["reason"]) == (
        2,
        "The row has 7 values but the header has 5 columns.",
    )
    assert not PersonCertification.objects.exists()


def test_importing_the_same_file_twice_changes_nothing(ops, acme_rep, acme_admin, catalogue, lyon):
    text = sample(acme_rep, acme_admin)
    import_completions(actor=ops, text=text)
    rows_before = list(PersonCertification.objects.values_list("pk", "status", "updated_at"))

    again = import_completions(actor=ops, text=text)

    assert (again.imported, again.unchanged, again.failed) == (0, 2, 4)
    assert list(PersonCertification.objects.values_list("pk", "status", "updated_at")) == (
        rows_before
    )


def test_a_row_failing_in_the_service_leaves_the_others_in_place(ops, acme_rep, catalogue):
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    text = (
        HEADER
        + f"{acme_rep.email},sales-pro,{future},,\n"
        + f"{acme_rep.email},dev-pro,2026-01-01,x-1,\n"
        + f"{acme_rep.email},sales-pro,2026-01-01,x-1,\n"  # same external id, other completion
    )
    run = import_completions(actor=ops, text=text)
    outcomes = [(row["line"], row["outcome"]) for row in run.report]
    assert outcomes == [(2, "failed"), (3, "imported"), (4, "failed")]
    assert "future" in run.report[0]["reason"]
    assert "x-1" in run.report[2]["reason"]
    assert PersonCertification.objects.count() == 1


def test_a_file_without_the_required_columns_is_refused(ops, catalogue):
    with pytest.raises(ImportFileError, match="certification_code"):
        import_completions(actor=ops, text="email,date\na@b.c,2026-01-01\n")
    assert not CertificationImport.objects.exists()


def test_the_report_csv_neutralises_spreadsheet_formulas(ops, catalogue):
    run = import_completions(actor=ops, text=HEADER + "=cmd()@x.example,sales-pro,2026-01-01,,\n")
    lines = report_csv(run).splitlines()
    assert lines[0] == "line,email,certification_code,outcome,reason"
    assert lines[1].startswith("2,'=cmd()@x.example,sales-pro,failed,")


def test_the_command_imports_a_file_and_prints_failures(
    tmp_path, ops, acme_rep, acme_admin, catalogue, lyon, capsys
):
    path = tmp_path / "lms.csv"
    path.write_text(sample(acme_rep, acme_admin), encoding="utf-8")
    call_command("import_certifications", str(path), "--actor", ops.email)
    out, err = capsys.readouterr()
    assert "imported 2, unchanged 0, failed 4" in out
    assert "line 3:" in err and "line 7:" in err
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_certifications", str(tmp_path / "missing.csv"))


def test_ops_import_through_the_page_and_download_the_report(
    client_for, ops, acme_rep, acme_admin, catalogue, lyon, django_capture_on_commit_callbacks
):
    client = client_for(ops)
    upload = SimpleUploadedFile("lms.csv", sample(acme_rep, acme_admin).encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enablement:certification_import"), {"file": upload})
    run = CertificationImport.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()

    page = client.get(run.get_absolute_url())
    assert page.status_code == 200
    assert b"Atlantis" in page.content
    listing = client.get(reverse("enablement:certification_import"))
    assert [r.pk for r in listing.context["page_obj"]] == [run.pk]
    assert "lms.csv" in listing.content.decode()

    report = client.get(reverse("enablement:import_report", args=[run.pk]))
    assert report["Content-Type"].startswith("text/csv")
    assert "attachment" in report["Content-Disposition"]
    assert f"7,{acme_admin.email},dev-pro,failed".encode() in report.content


def test_a_file_with_a_header_and_no_rows_is_refused(ops, catalogue):
    with pytest.raises(ImportFileError, match="a header but no rows"):
        import_completions(actor=ops, text=HEADER)


def test_the_import_page_refuses_files_that_are_not_csv(client_for, ops):
    client = client_for(ops)
    upload = SimpleUploadedFile("photo.png", b"\x89PNG\r\n", "image/png")
    response = client.post(reverse("enablement:certification_import"), {"file": upload})
    assert response.status_code == 200
    assert "Upload a .csv file." in response.content.decode()
    bad_text = SimpleUploadedFile("lms.csv", b"\xff\xfe\x00bad", "text/csv")
    response = client.post(reverse("enablement:certification_import"), {"file": bad_text})
    assert "not UTF-8" in response.content.decode()


@pytest.mark.parametrize("persona", ["acme_admin", "cam", "globex_admin", "distri_admin"])
def test_only_ops_reach_the_import_pages(client_for, personas, persona, ops, catalogue):
    run = import_completions(actor=ops, text=HEADER + "nobody@x.example,sales-pro,2026-01-01,,\n")
    client = client_for(personas[persona])
    for url in (
        reverse("enablement:certification_import"),
        run.get_absolute_url(),
        reverse("enablement:import_report", args=[run.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_a_completion_import_resumes_after_a_crash_without_recording_twice(
    ops, acme_rep, acme_admin, catalogue, lyon, monkeypatch
):
    monkeypatch.setattr(jobs, "CHUNK_SIZE", 2)
    run = imports.start_import(actor=ops, data=sample(acme_rep, acme_admin), queue=False)
    real = imports._import_row

    def dying(row, line, actor, certifications):
        if line == 6:
            raise SystemExit("worker killed")
        return real(row, line, actor, certifications)

    monkeypatch.setattr(imports, "_import_row", dying)
    with pytest.raises(SystemExit):
        process_certification_import.apply(args=[run.pk], throw=True)
    run.refresh_from_db()
    assert (run.status, run.last_line, run.rows_done, run.imported) == ("running", 5, 4, 1)

    monkeypatch.setattr(imports, "_import_row", real)
    process_certification_import.apply(args=[run.pk], throw=True)
    process_certification_import.apply(args=[run.pk], throw=True)
    run.refresh_from_db()
    assert (run.status, run.imported, run.unchanged, run.failed) == ("done", 2, 0, 4)
    assert [row["line"] for row in run.report] == [2, 3, 4, 5, 6, 7]
    assert PersonCertification.objects.count() == 2


def test_the_progress_partial_polls_until_done_and_is_ops_only(
    client_for, ops, acme_admin, catalogue
):
    run = start_import(actor=ops, data=HEADER + "a@b.example,sales-pro,2026-01-01,,\n", queue=False)
    url = reverse("enablement:import_progress", args=[run.pk])
    page = client_for(ops).get(run.get_absolute_url()).content.decode()
    assert f'hx-get="{url}"' in page and "<progress" in page
    assert client_for(acme_admin).get(url).status_code == 403
    process_import(import_id=run.pk)
    done = client_for(ops).get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"
