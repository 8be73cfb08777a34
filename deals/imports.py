"""Bulk CSV import of deal registrations, for partners exporting from their own CRM.

One row per registration; the header names the fields (``customer_name``, ``country``, …, see
``COLUMNS``). Each row succeeds or fails on its own, under the same rules as the portal form:
a chunk of rows goes through ``create_registrations`` (the batch form of
``create_registration``), and if the batch fails in the database the chunk is imported again
row by row, a savepoint per row. A row whose ``external_ref`` the partner already used is
skipped as a duplicate, so importing the same export twice creates nothing new. The report
names each row by its line in the file (the header is line 1).
"""

import csv
import datetime as dt
import io
import logging
import re
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner
from prm import csvfiles, jobs
from prm.audit import record_event
from prm.exceptions import DomainError
from prm.models import User
from prm.notifications import notify

from .exceptions import DealError, DealNotAllowed, DuplicateRegistration, PartnerCannotRegister
from .models import DealImport, DealRegistration
from .selectors import acts_for_partner, reviewers_for
from .services import create_registration
from .services.bulk import create_registrations
from .services.fields import duplicate_ref, registrations_by_ref

REQUIRED_COLUMNS = (
    "customer_name",
    "country",
    "estimated_amount",
    "currency",
    "expected_close_date",
)
OPTIONAL_COLUMNS = (
    "customer_domain",
    "contact_name",
    "contact_email",
    "industry",
    "product_lines",
    "sourcing",
    "engagement",
    "notes",
    "external_ref",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_ROWS = 5000
logger = logging.getLogger(__name__)
_LIST_SEPARATORS = re.compile(r"[;|,]")


class InvalidImportFile(DealError):
    """The file cannot be imported."""

    code = "invalid_import_file"
    status_code = 400


@dataclass
class RowResult:
    line: int
    outcome: str
    reason: str = ""
    registration: int | None = None
    customer: str = ""

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "outcome": self.outcome,
            "reason": self.reason,
            "registration": self.registration,
            "customer": self.customer,
        }


def template_csv() -> str:
    """An empty file with the header row and one example line."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(
        [
            "Initech Ltd",
            "GB",
            "12500.00",
            "GBP",
            (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
            "initech.co.uk",
            "Peter Gibbons",
            "peter@initech.co.uk",
            "Software",
            "Platform;Support",
            "sourced",
            "partner_led",
            "",
            "CRM-0001",
        ]
    )
    return out.getvalue()


def start_import(
    *,
    actor: User,
    partner: Partner,
    data: bytes,
    filename: str = "",
    submit: bool = True,
    queue: bool = True,
) -> DealImport:
    """Check the CSV ``data`` up front (encoding, header, row limit), store it and queue the job
    that imports it. Raises ``InvalidImportFile`` (nothing stored) when the file cannot be
    imported at all. With ``queue=False`` the caller runs ``process_import`` itself."""
    if not acts_for_partner(actor, partner):
        raise DealNotAllowed(
            _("You cannot register deals for %(partner)s.") % {"partner": partner.display_name}
        )
    if partner.status != Partner.Status.ACTIVE:
        raise PartnerCannotRegister()
    columns, rows = _read(data)
    with transaction.atomic():
        record = DealImport(
            partner=partner,
            uploaded_by=actor,
            filename=filename[:255],
            submit=submit,
            row_count=len(rows),
            ignored_columns=sorted({name for name in columns if name and name not in COLUMNS}),
        )
        record.upload.save(f"deals-{partner.pk}.csv", ContentFile(data), save=False)
        record.save()
        record_event(
            record,
            actor=actor,
            verb="deals.import_started",
            data={"rows": record.row_count, "file": record.filename},
        )
        if queue:
            from .tasks import process_deal_import

            process_deal_import.delay_on_commit(record.pk)
    return record


def process_import(*, import_id: int) -> DealImport:
    """Import the stored file of ``import_id`` in chunks, continuing after the last committed
    line; safe to run again (or twice at once)."""
    columns: list[str] = []

    def read(record: DealImport):
        found, rows = _read(record.read_data())
        columns[:] = found
        return rows

    return jobs.run_import(
        DealImport,
        import_id,
        read=read,
        process_chunk=lambda record, rows: _process_chunk(record, columns, rows),
        finish=_finish,
    )


def import_registrations(
    *, actor: User, partner: Partner, data: bytes, filename: str = "", submit: bool = True
) -> DealImport:
    """Check, store and import ``data`` here and now (the command line's way); the finished
    import with its report."""
    record = start_import(
        actor=actor, partner=partner, data=data, filename=filename, submit=submit, queue=False
    )
    return process_import(import_id=record.pk)


def report_csv(record: DealImport) -> str:
    return csvfiles.report_csv(
        ["line", "outcome", "reason", "registration", "customer_name"],
        (
            [row["line"], row["outcome"], row["reason"], row["registration"] or "", row["customer"]]
            for row in record.report
        ),
    )


def _read(data: bytes) -> tuple[list[str], list[tuple[int, dict]]]:
    return csvfiles.read_rows(
        data, required=REQUIRED_COLUMNS, max_rows=MAX_ROWS, error=InvalidImportFile
    )


def _process_chunk(record: DealImport, columns: list[str], rows) -> list[dict]:
    """The chunk's rows in one batch (``create_registrations``): a few queries for the chunk
    instead of a few dozen per row. A row refused by the rules is one failed (or duplicate)
    line either way; when the batch fails in the database, its savepoint is rolled back and
    the chunk is imported again row by row, each row in its own savepoint, so only the row at
    fault fails."""
    try:
        with transaction.atomic():
            results = _import_batch(record, columns, rows)
    except (DatabaseError, DomainError):
        if transaction.get_connection().needs_rollback:
            raise  # failed outside the savepoint: the chunk is retried as a whole
        logger.warning(
            "Deal import %s: lines %s-%s imported one by one after the batch failed",
            record.pk,
            rows[0][0],
            rows[-1][0],
            exc_info=True,
        )
        results = [_import_one(record, columns, line, row) for line, row in rows]
    return [result.as_dict() for result in results]


def _import_batch(record: DealImport, columns: list[str], rows) -> list[RowResult]:
    results: dict[int, RowResult] = {}
    items: dict[int, dict] = {}
    for index, (line, row) in enumerate(rows):
        prepared = _prepare(columns, line, row)
        if isinstance(prepared, RowResult):
            results[index] = prepared
        else:
            items[index] = prepared
    outcomes = create_registrations(
        actor=record.uploaded_by,
        partner=record.partner,
        items=list(items.values()),
        submit=record.submit,
    )
    for (index, _fields), outcome in zip(items.items(), outcomes, strict=True):
        line, row = rows[index]
        results[index] = _outcome(line, row.get("customer_name", ""), outcome)
    return [results[index] for index in range(len(rows))]


def _import_one(record: DealImport, columns: list[str], line: int, row: dict) -> RowResult:
    try:
        # The row's writes run in their own savepoint (``create_registration`` is atomic), so
        # a row that fails in the database rolls back alone and is one failed line.
        return _import_row(record.uploaded_by, record.partner, columns, line, row, record.submit)
    except DatabaseError:
        if transaction.get_connection().needs_rollback:
            raise
        logger.exception("Deal import %s, line %s could not be stored", record.pk, line)
        return RowResult(
            line,
            DealImport.Outcome.FAILED,
            _("The row could not be stored; check the lengths and ranges of its values."),
            customer=row.get("customer_name", ""),
        )


def _finish(record: DealImport) -> None:
    record_event(
        record,
        actor=record.uploaded_by,
        verb="deals.imported",
        data={
            "rows": record.row_count,
            "created": record.created_count,
            "duplicates": record.duplicate_count,
            "failed": record.failed_count,
        },
    )
    if record.submit and record.created_count:
        # One summary for the reviewers instead of one email per registration.
        notify(
            reviewers_for(record.partner),
            kind="deal_submitted",
            template="deals/email/imported",
            context={"record": record},
            url=reverse("deals:review_queue"),
        )


# --- One row ---------------------------------------------------------------------------------


def _import_row(actor, partner, columns, line, row, submit) -> RowResult:
    prepared = _prepare(columns, line, row)
    if isinstance(prepared, RowResult):
        return prepared
    customer = row.get("customer_name", "")
    ref = prepared.get("external_ref", "")
    if ref:
        existing = registrations_by_ref(partner, [ref]).get(ref)
        if existing is not None:
            return _outcome(line, customer, duplicate_ref(existing, ref))
    try:
        with transaction.atomic():
            registration = create_registration(
                actor=actor, partner=partner, submit=submit, notify_reviewers=False, **prepared
            )
    except DomainError as exc:
        return _outcome(line, customer, exc)
    return _outcome(line, customer, registration)


def _prepare(columns, line, row) -> RowResult | dict:
    """The row's service arguments, or its failed line when its cells cannot be read."""
    if csvfiles.EXTRA_VALUES in row:
        return RowResult(
            line,
            DealImport.Outcome.FAILED,
            _("The row has %(n)d values but the header has %(m)d columns.")
            % {"n": len(columns) + len(row[csvfiles.EXTRA_VALUES]), "m": len(columns)},
        )
    fields, errors = _parse(row)
    if errors:
        customer = row.get("customer_name", "")
        return RowResult(line, DealImport.Outcome.FAILED, "; ".join(errors), customer=customer)
    return fields


def _outcome(line: int, customer: str, outcome: DealRegistration | DomainError) -> RowResult:
    if isinstance(outcome, DealRegistration):
        return RowResult(line, DealImport.Outcome.CREATED, "", outcome.pk, customer)
    if isinstance(outcome, DuplicateRegistration) and isinstance(outcome.details, dict):
        existing, ref = outcome.details.get("registration"), outcome.details.get("external_ref")
        if existing is not None:
            return RowResult(
                line,
                DealImport.Outcome.DUPLICATE,
                _("Registration #%(pk)d already has the CRM reference %(ref)s.")
                % {"pk": existing, "ref": ref},
                existing,
                customer,
            )
    return RowResult(line, DealImport.Outcome.FAILED, _describe(outcome), customer=customer)


def _parse(row: dict[str, str]) -> tuple[dict, list[str]]:
    """Turn the text cells into service arguments; report cells that cannot be read at all.
    Everything else (amounts, unknown country, past dates, bad emails, …) is judged by the
    service, as for the portal form and the API."""
    errors = []
    fields: dict = {name: row[name] for name in COLUMNS if name in row}
    raw_date = row.get("expected_close_date", "")
    try:
        fields["expected_close_date"] = dt.datetime.strptime(raw_date, "%Y-%m-%d").date()
    except ValueError:
        errors.append(
            _("expected_close_date: %(value)s is not a date (use YYYY-MM-DD, e.g. 2026-09-30)")
            % {"value": repr(raw_date)}
        )
    if "product_lines" in fields:
        fields["product_lines"] = [p for p in _LIST_SEPARATORS.split(fields["product_lines"]) if p]
    for name, default in (
        ("sourcing", DealRegistration.Sourcing.SOURCED),
        ("engagement", DealRegistration.Engagement.PARTNER_LED),
    ):
        fields[name] = (fields.get(name) or default).lower()
    return fields, errors


def _describe(error: DomainError) -> str:
    details = error.details if isinstance(error.details, dict) else {}
    messages = [f"{k}: {v}" for k, v in details.items() if isinstance(v, str)]
    return "; ".join(messages) if messages else error.message
