"""CSV import: each row on its own, duplicates skipped, reasons with line numbers."""

import csv
import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from deals.exceptions import DealNotAllowed
from deals.imports import InvalidImportFile, import_registrations, report_csv, template_csv
from deals.models import DealImport, DealRegistration
from prm.audit import events_for
from prm.money import amount_message

pytestmark = pytest.mark.django_db
HEADER = "customer_name,country,estimated_amount,currency,expected_close_date,external_ref"


def _future(days=30) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _run(actor, partner, data, **kwargs) -> DealImport:
    return import_registrations(
        actor=actor, partner=partner, data=data, filename="crm.csv", **kwargs
    )


class TestImport:
    def test_good_bad_and_duplicate_rows_each_on_their_own(self, acme, acme_rep):
        data = _csv(
            f"Wayne Enterprises,US,150000.00,USD,{_future()},SF-1",  # line 2
            f"Stark Industries,UK,1000,USD,{_future()},SF-2",  # 3: country
            f'Oscorp,US,"12.500,00",USD,{_future()},SF-3',  # 4: amount
            f"Cyberdyne,US,5000,ABC,{_future()},SF-4",  # 5: currency
            "Tyrell,US,5000,USD,31/12/2026,SF-5",  # 6: date format
            "Soylent,US,5000,USD,2020-01-01,SF-6",  # 7: date in the past
            f"Wayne Enterprises again,US,1,USD,{_future()},SF-1",  # 8: duplicate in file
            "",  # a blank line is skipped
            f'"Acme, Umbrella ""Holdings""",DE,"1,250,000.50",eur,{_future()},SF-7',  # 10
        )
        record = _run(acme_rep, acme, data)
        outcomes = {(r["line"], r["outcome"]) for r in record.report}
        assert outcomes == {
            (2, "created"),
            (3, "failed"),
            (4, "failed"),
            (5, "failed"),
            (6, "failed"),
            (7, "failed"),
            (8, "duplicate"),
            (10, "created"),
        }
        reasons = {r["line"]: r["reason"] for r in record.report}
        assert "UK is not an ISO 3166 country code" in reasons[3]
        assert reasons[4] == f"estimated_amount: {amount_message(allow_zero=False)}"
        assert "ABC is not a supported currency" in reasons[5]
        assert "'31/12/2026' is not a date (use YYYY-MM-DD" in reasons[6]
        assert "must not be in the past" in reasons[7]
        first = DealRegistration.objects.get(external_ref="SF-1")
        assert reasons[8] == f"Registration #{first.pk} already has the CRM reference SF-1."
        assert (record.created_count, record.duplicate_count, record.failed_count) == (2, 1, 5)
        quoted = DealRegistration.objects.get(external_ref="SF-7")
        assert quoted.customer_name == 'Acme, Umbrella "Holdings"'
        assert (quoted.estimated_amount, quoted.currency) == (Decimal("1250000.50"), "EUR")
        assert quoted.status == DealRegistration.Status.SUBMITTED
        assert events_for(record).get(verb="deals.imported").data["created"] == 2

    def test_importing_the_same_file_again_creates_nothing(self, acme, acme_rep):
        data = _csv(f"Wayne Enterprises,US,150000,USD,{_future()},SF-1")
        _run(acme_rep, acme, data)
        again = _run(acme_rep, acme, data)
        assert (again.created_count, again.duplicate_count) == (0, 1)
        assert DealRegistration.objects.count() == 1

    def test_rows_without_a_reference_are_never_duplicates(self, acme, acme_rep):
        data = _csv(f"Initrode,US,10,USD,{_future()},", f"Globodyne,US,10,USD,{_future()},")
        assert _run(acme_rep, acme, data).created_count == 2

    def test_optional_columns_semicolons_and_ignored_columns(self, acme, acme_rep):
        header = (
            "Customer_Name;country;estimated_amount;currency;expected_close_date;"
            "product_lines;sourcing;engagement;contact_email;owner"
        )
        row = (
            f"Vandelay Imports;US;900;USD;{_future()};"
            "Platform|Support;influenced;;a@vandelay.com;Bob"
        )
        record = _run(acme_rep, acme, _csv(row, header=header), submit=False)
        registration = DealRegistration.objects.get()
        assert registration.status == DealRegistration.Status.DRAFT
        assert registration.product_lines == ["Platform", "Support"]
        assert (registration.sourcing, registration.engagement) == ("influenced", "partner_led")
        assert registration.contact_email_domain == "vandelay.com"
        assert record.ignored_columns == ["owner"]

    def test_a_row_with_too_many_values_is_reported(self, acme, acme_rep):
        record = _run(acme_rep, acme, _csv(f"A,US,1,USD,{_future()},R1,extra"))
        assert record.report[0]["reason"] == "The row has 7 values but the header has 6 columns."

    def test_line_numbers_count_quoted_line_breaks(self, acme, acme_rep):
        header = HEADER + ",notes"
        data = _csv(
            f'Alpha Corp,US,1,USD,{_future()},R1,"first line\nsecond line"',
            f"Beta Corp,XX,1,USD,{_future()},R2,",
            header=header,
        )
        record = _run(acme_rep, acme, data)
        assert [(r["line"], r["outcome"]) for r in record.report] == [
            (2, "created"),
            (4, "failed"),
        ]

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"", "The file is empty."),
            (HEADER.encode() + b"\n", "The file has a header but no rows."),
            (b"customer_name,country\nA,US\n", "lacks the required columns: estimated_amount"),
            ("customer_name\nSoci\xe9t\xe9".encode("latin-1"), "not UTF-8 text"),
            (b"\x00\x01binary", "not a CSV text file"),
        ],
    )
    def test_files_that_cannot_be_read_are_refused_whole(self, acme, acme_rep, data, message):
        with pytest.raises(InvalidImportFile, match=message):
            _run(acme_rep, acme, data)
        assert not DealImport.objects.exists()

    def test_too_many_rows(self, acme, acme_rep, monkeypatch):
        monkeypatch.setattr("deals.imports.MAX_ROWS", 2)
        rows = [f"C{n},US,1,USD,{_future()},R{n}" for n in range(3)]
        with pytest.raises(InvalidImportFile, match="more than 2 rows"):
            _run(acme_rep, acme, _csv(*rows))
        assert not DealRegistration.objects.exists()

    def test_only_the_partner_side_imports(self, acme, globex_admin, cam):
        for actor in (globex_admin, cam):
            with pytest.raises(DealNotAllowed):
                _run(actor, acme, _csv(f"A,US,1,USD,{_future()},R1"))

    def test_the_report_downloads_as_csv(self, acme, acme_rep):
        record = _run(acme_rep, acme, _csv(f"A Corp,XX,1,USD,{_future()},R1"))
        header, row = csv.reader(StringIO(report_csv(record)))
        assert header == ["line", "outcome", "reason", "registration", "customer_name"]
        assert row[:2] == ["2", "failed"]
        assert row[2].startswith("country: XX is not an ISO 3166 country code")
        assert row[3:] == ["", "A Corp"]

    def test_the_template_imports_cleanly(self, acme, acme_rep):
        record = _run(acme_rep, acme, template_csv().encode())
        assert record.report[0]["outcome"] == "created", record.report


class TestImportPage:
    def test_upload_shows_the_report_and_offers_the_download(
        self, client_for, acme_rep, django_capture_on_commit_callbacks
    ):
        client = client_for(acme_rep)
        upload = SimpleUploadedFile(
            "export.csv",
            _csv(f"Good Corp,US,1,USD,{_future()},R1", f"Bad Corp,US,x,USD,{_future()},R2"),
            content_type="text/csv",
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("deals:deal_import"), {"file": upload, "submit": "on"})
        record = DealImport.objects.get()
        assert response.url == reverse("deals:import_detail", args=[record.pk])
        page = client.get(response.url).content.decode()
        assert "estimated_amount: Enter an amount above zero and up to" in page
        assert reverse("deals:import_report", args=[record.pk]) in page
        download = client.get(reverse("deals:import_report", args=[record.pk]))
        assert download["Content-Type"].startswith("text/csv")
        assert b"3,failed" in download.content

    def test_an_unreadable_file_is_a_form_error(self, client_for, acme_rep):
        upload = SimpleUploadedFile("x.csv", b"name\nfoo\n", content_type="text/csv")
        response = client_for(acme_rep).post(reverse("deals:deal_import"), {"file": upload})
        assert "lacks the required columns" in response.context["form"].errors["file"][0]

    def test_a_distributor_imports_for_a_reseller(
        self, client_for, acme, distri_admin, django_capture_on_commit_callbacks
    ):
        upload = SimpleUploadedFile("x.csv", _csv(f"Reseller Deal,US,1,USD,{_future()},R1"))
        with django_capture_on_commit_callbacks(execute=True):
            client_for(distri_admin).post(
                reverse("deals:deal_import"), {"file": upload, "partner": acme.pk, "submit": "on"}
            )
        registration = DealRegistration.objects.get()
        assert (registration.partner, registration.distributor.display_name) == (acme, "Distri")

    def test_the_import_report_list_query_count_is_constant(
        self, client_for, acme, acme_rep, django_assert_max_num_queries
    ):
        client = client_for(acme_rep)
        DealImport.objects.create(partner=acme, uploaded_by=acme_rep, filename="1.csv")
        with django_assert_max_num_queries(20) as few:
            client.get(reverse("deals:deal_import"))
        for n in range(12):
            DealImport.objects.create(partner=acme, uploaded_by=acme_rep, filename=f"{n}.csv")
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(reverse("deals:deal_import"))


class TestImportCommand:
    def test_imports_and_reports_failed_lines(self, acme, acme_admin, tmp_path):
        path = tmp_path / "deals.csv"
        path.write_bytes(
            _csv(f"Good Corp,US,1,USD,{_future()},R1", f"Bad Corp,US,1,USD,{_future(-3)},R2")
        )
        out = StringIO()
        call_command("import_deals", str(path), "--partner-id", str(acme.pk), stdout=out)
        text = out.getvalue()
        assert "line 3: failed: expected_close_date" in text
        assert "1 created, 0 duplicate(s) skipped, 1 failed" in text
        assert DealRegistration.objects.get().registered_by == acme_admin

    def test_names_the_user_and_can_import_drafts(self, acme, acme_rep, tmp_path):
        path = tmp_path / "deals.csv"
        path.write_bytes(_csv(f"Good Corp,US,1,USD,{_future()},R1"))
        call_command(
            "import_deals",
            str(path),
            "--partner-id",
            str(acme.pk),
            "--user",
            acme_rep.email,
            "--draft",
            stdout=StringIO(),
        )
        registration = DealRegistration.objects.get()
        assert (registration.registered_by, registration.status) == (acme_rep, "draft")

    def test_clear_errors(self, acme, globex_admin, tmp_path):
        path = tmp_path / "deals.csv"
        path.write_bytes(b"")
        with pytest.raises(CommandError, match="No partner with id"):
            call_command("import_deals", str(path), "--partner-id", "999999")
        with pytest.raises(CommandError, match="is not a member"):
            call_command(
                "import_deals",
                str(path),
                "--partner-id",
                str(acme.pk),
                "--user",
                globex_admin.email,
            )
        with pytest.raises(CommandError, match="an active admin is not a member"):
            call_command("import_deals", str(path), "--partner-id", str(acme.pk))
