"""Certification imports through the API: the portal's background job, answered 202 with the job;
its progress and line-numbered report are read with GETs. Program ops only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enablement.models import CertificationImport, PersonCertification
from prm.audit import events_for
from tests.enablement.factories import CertificationFactory

pytestmark = pytest.mark.django_db
IMPORTS = "/api/v1/certification-imports/"
HEADER = "email,certification_code,earned_on,external_id,office\n"


@pytest.fixture
def catalogue(db):
    return [CertificationFactory(code="sales-pro", kind="sales")]


def csv_file(text: str, name: str = "lms.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def sample(acme_rep) -> str:
    return (
        HEADER
        + f"{acme_rep.email},sales-pro,2026-01-15,lms-1,\n"  # line 2: good
        + "nobody@nowhere.example,sales-pro,2026-01-15,lms-2,\n"  # line 3: unknown person
        + f"{acme_rep.email},sales-pro,15/01/2026,lms-3,\n"  # line 4: bad date
    )


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def test_an_import_is_queued_then_read_until_done_with_its_report(
    session_for, ops, acme_rep, catalogue, django_capture_on_commit_callbacks
):
    client = session_for(ops)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answer = client.post(IMPORTS, {"file": csv_file(sample(acme_rep))}, format="multipart")
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert (body["status"], body["row_count"], body["rows_done"], body["file_name"]) == (
        "queued",
        3,
        0,
        "lms.csv",
    )
    assert answer["Location"] == body["url"] and body["url"].endswith(f"{IMPORTS}{body['id']}/")
    assert not PersonCertification.objects.exists()
    # The worker picks the job up once the request's transaction has committed.
    assert len(queued) == 1
    queued[0]()

    done = client.get(f"{IMPORTS}{body['id']}/").json()
    assert (done["status"], done["percent"], done["is_finished"]) == ("done", 100, True)
    assert (done["imported"], done["unchanged"], done["failed"]) == (1, 0, 2)
    report = client.get(done["report_url"]).json()
    assert report["count"] == 3
    outcomes = {row["line"]: (row["outcome"], row["reason"]) for row in report["results"]}
    assert outcomes[2] == ("imported", "")
    assert outcomes[3][0] == "failed" and "nobody@nowhere.example" in outcomes[3][1]
    assert outcomes[4][0] == "failed" and "YYYY-MM-DD" in outcomes[4][1]
    run = CertificationImport.objects.get(pk=body["id"])
    assert events_for(run).filter(verb="certification.import_started", actor=ops).exists()
    assert [row["id"] for row in client.get(IMPORTS).json()["results"]] == [run.pk]


def test_a_file_that_cannot_be_imported_is_a_400_and_stores_nothing(session_for, ops, catalogue):
    client = session_for(ops)
    wrong_header = client.post(
        IMPORTS, {"file": csv_file("email,date\na@b.example,2026-01-01\n")}, format="multipart"
    )
    assert wrong_header.status_code == 400
    assert error_of(wrong_header)["code"] == "import_file_error"
    not_text = client.post(
        IMPORTS, {"file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00bad")}, format="multipart"
    )
    assert not_text.status_code == 400
    no_file = client.post(IMPORTS, {}, format="multipart")
    assert no_file.status_code == 400 and "file" in error_of(no_file)["details"]
    assert not CertificationImport.objects.exists()


def test_only_program_ops_import_and_see_imports(
    session_for, key_client, ops, cam, acme_admin, acme, acme_rep, catalogue
):
    from enablement.imports import start_import

    existing = start_import(actor=ops, data=sample(acme_rep), queue=False)
    for client in (
        session_for(cam),
        session_for(acme_admin),
        key_client("enablement:read", "enablement:write", partner=acme),
    ):
        posted = client.post(IMPORTS, {"file": csv_file(sample(acme_rep))}, format="multipart")
        assert posted.status_code == 403
        assert client.get(IMPORTS).status_code == 403
        assert client.get(f"{IMPORTS}{existing.pk}/").status_code == 403
    assert (
        key_client("enablement:read")
        .post(IMPORTS, {"file": csv_file(sample(acme_rep))}, format="multipart")
        .status_code
        == 403
    )
    assert CertificationImport.objects.count() == 1
    # A program-wide key with the write scope acts as program ops.
    posted = key_client("enablement:read", "enablement:write").post(
        IMPORTS, {"file": csv_file(sample(acme_rep))}, format="multipart"
    )
    assert posted.status_code == 202


def test_the_service_refuses_an_import_by_anyone_but_ops(cam, acme_rep, catalogue):
    from enablement.imports import start_import
    from prm.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        start_import(actor=cam, data=sample(acme_rep), queue=False)
    assert not CertificationImport.objects.exists()


def test_the_import_list_does_not_grow_in_queries(session_for, ops, acme_rep, catalogue):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enablement.imports import start_import

    client = session_for(ops)
    start_import(actor=ops, data=sample(acme_rep), queue=False)
    with CaptureQueriesContext(connection) as few:
        client.get(IMPORTS)
    for _ in range(3):
        start_import(actor=ops, data=sample(acme_rep), queue=False)
    with CaptureQueriesContext(connection) as many:
        assert client.get(IMPORTS).json()["count"] == 4
    assert len(many) == len(few)
