"""CSV import of completions from the external learning system.

Columns: ``email, certification_code, earned_on, external_id, office`` (the last two optional).
The upload is checked and stored, then a background job records it in chunks, each row on its
own (a savepoint per row): a bad row is reported with its line number and never undoes the good
ones. Importing the same file twice changes nothing, and a job cut short continues where it
stopped (see ``prm.jobs``).
"""

import datetime as dt
import logging
from dataclasses import asdict, dataclass

from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from prm import csvfiles, jobs
from prm.audit import record_event
from prm.exceptions import DomainError, PermissionDenied
from prm.models import User

from .exceptions import ImportFileError
from .models import Certification, CertificationImport, PersonCertification
from .services import record_completion

REQUIRED_COLUMNS = ("email", "certification_code", "earned_on")
OPTIONAL_COLUMNS = ("external_id", "office")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
logger = logging.getLogger(__name__)

IMPORTED = "imported"
UNCHANGED = "unchanged"
FAILED = "failed"


@dataclass
class RowResult:
    line: int
    email: str
    certification_code: str
    outcome: str
    reason: str = ""
    person_certification_id: int | None = None


class RowError(Exception):
    pass


def read_upload(uploaded) -> str:
    """The text of an uploaded CSV file, refusing what is too large or not UTF-8 text."""
    if uploaded.size > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    return csvfiles.decode(uploaded.read(), error=ImportFileError)


def start_import(
    *, actor: User | None, data: bytes | str, file_name: str = "upload.csv", queue: bool = True
) -> CertificationImport:
    """Check the CSV up front (encoding, header, row limit), store it and queue the job that
    imports it. Raises ``ImportFileError`` (nothing stored) when it cannot be imported at all.
    With ``queue=False`` the caller runs ``process_import`` itself. Only program operations
    import (``actor`` None: a job or command run by the operator)."""
    if actor is not None and not actor.is_program_ops:
        raise PermissionDenied(_("Only program operations import certifications."))
    raw = data.encode() if isinstance(data, str) else data
    _columns, rows = _read(raw)
    with transaction.atomic():
        run = CertificationImport(
            imported_by=actor, file_name=file_name[:255] or "upload.csv", row_count=len(rows)
        )
        run.upload.save("certifications.csv", ContentFile(raw), save=False)
        run.save()
        record_event(
            run, actor=actor, verb="certification.import_started", data={"rows": run.row_count}
        )
        if queue:
            from .tasks import process_certification_import

            process_certification_import.delay_on_commit(run.pk)
    return run


def process_import(*, import_id: int) -> CertificationImport:
    """Import the stored file of ``import_id`` in chunks, continuing after the last committed
    line; safe to run again (or twice at once)."""
    return jobs.run_import(
        CertificationImport,
        import_id,
        read=lambda run: _read(run.read_data())[1],
        process_chunk=_process_chunk,
        finish=_finish,
    )


def import_completions(
    *, actor: User | None, text: str, file_name: str = "upload.csv"
) -> CertificationImport:
    """Check, store and import ``text`` here and now; the finished import with its report."""
    run = start_import(actor=actor, data=text, file_name=file_name, queue=False)
    return process_import(import_id=run.pk)


def _read(data: bytes) -> tuple[list[str], list[tuple[int, dict]]]:
    return csvfiles.read_rows(
        data, required=REQUIRED_COLUMNS, max_rows=MAX_ROWS, error=ImportFileError
    )


def _process_chunk(run: CertificationImport, rows) -> list[dict]:
    # The catalogue is read once per chunk, not once per row.
    certifications = {c.code.lower(): c for c in Certification.objects.all()}
    results = []
    for line, row in rows:
        try:
            with transaction.atomic():
                result = _import_row(row, line, run.imported_by, certifications)
        except DatabaseError:
            logger.exception("Certification import %s, line %s could not be stored", run.pk, line)
            result = RowResult(
                line=line,
                email=(row.get("email") or "").strip().lower(),
                certification_code=(row.get("certification_code") or "").strip(),
                outcome=FAILED,
                reason=_("The row could not be stored; check the lengths of its values."),
            )
        results.append(asdict(result))
    return results


def _import_row(row: dict, line: int, actor, certifications) -> RowResult:
    email = (row.get("email") or "").strip().lower()
    code = (row.get("certification_code") or "").strip()
    result = RowResult(line=line, email=email, certification_code=code, outcome=FAILED)
    try:
        with transaction.atomic():
            person_certification, created = _record_row(row, email, code, actor, certifications)
    except (RowError, DomainError) as exc:
        result.reason = str(getattr(exc, "message", exc))
        return result
    result.outcome = IMPORTED if created else UNCHANGED
    result.person_certification_id = person_certification.pk
    return result


def _record_row(
    row: dict, email: str, code: str, actor, certifications
) -> tuple[PersonCertification, bool]:
    if csvfiles.EXTRA_VALUES in row:
        # An unquoted comma shifted the columns: nothing in the row can be trusted.
        columns = len(row) - 1
        raise RowError(
            _("The row has %(n)d values but the header has %(m)d columns.")
            % {"n": columns + len(row[csvfiles.EXTRA_VALUES]), "m": columns}
        )
    if not email:
        raise RowError(_("The email is empty."))
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        raise RowError(_("No person with the email %(email)s.") % {"email": email})
    certification = certifications.get(code.lower())
    if certification is None:
        raise RowError(_("Unknown certification code %(code)s.") % {"code": code or "—"})
    return record_completion(
        actor=actor,
        user=user,
        certification=certification,
        earned_on=_parse_date(row.get("earned_on") or ""),
        office_name=(row.get("office") or "").strip(),
        source=PersonCertification.Source.IMPORT,
        external_id=(row.get("external_id") or "").strip(),
    )


def _parse_date(value: str) -> dt.date:
    value = value.strip()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise RowError(
            _("The date %(value)s is not a date as YYYY-MM-DD.") % {"value": value or "—"}
        ) from exc


def _finish(run: CertificationImport) -> None:
    record_event(
        run,
        actor=run.imported_by,
        verb="certification.imported",
        data={"imported": run.imported, "unchanged": run.unchanged, "failed": run.failed},
    )


def report_csv(run: CertificationImport) -> str:
    """The import report as CSV, one line per row of the file, for ops to fix and re-import."""
    return csvfiles.report_csv(
        ["line", "email", "certification_code", "outcome", "reason"],
        (
            [row["line"], row["email"], row["certification_code"], row["outcome"], row["reason"]]
            for row in run.report
        ),
    )
