"""CSV import of completions from the external learning system.

Columns: ``email, certification_code, earned_on, external_id, office`` (the last two optional).
Each row is recorded on its own (a savepoint per row): a bad row is reported with its line
number and never undoes the good ones. Importing the same file twice changes nothing.
"""

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from prm import csvfiles
from prm.audit import record_event
from prm.exceptions import DomainError
from prm.models import User

from .exceptions import ImportFileError
from .models import Certification, CertificationImport, PersonCertification
from .services import record_completion

REQUIRED_COLUMNS = ("email", "certification_code", "earned_on")
OPTIONAL_COLUMNS = ("external_id", "office")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000

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


def import_completions(
    *, actor: User | None, text: str, file_name: str = "upload.csv"
) -> CertificationImport:
    """Import every row of ``text``; returns the stored import with its line-by-line report."""
    _columns, rows = csvfiles.read_rows(
        text, required=REQUIRED_COLUMNS, max_rows=MAX_ROWS, error=ImportFileError
    )
    certifications = {c.code.lower(): c for c in Certification.objects.all()}
    results = [_import_row(row, line, actor, certifications) for line, row in rows]
    return _store(actor, file_name, results)


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


@transaction.atomic
def _store(actor, file_name: str, results: list[RowResult]) -> CertificationImport:
    outcomes = [r.outcome for r in results]
    run = CertificationImport.objects.create(
        imported_by=actor,
        file_name=file_name[:255],
        imported=outcomes.count(IMPORTED),
        unchanged=outcomes.count(UNCHANGED),
        failed=outcomes.count(FAILED),
        report=[asdict(r) for r in results],
    )
    record_event(
        run,
        actor=actor,
        verb="certification.imported",
        data={"imported": run.imported, "unchanged": run.unchanged, "failed": run.failed},
    )
    return run


def report_csv(run: CertificationImport) -> str:
    """The import report as CSV, one line per row of the file, for ops to fix and re-import."""
    return csvfiles.report_csv(
        ["line", "email", "certification_code", "outcome", "reason"],
        (
            [row["line"], row["email"], row["certification_code"], row["outcome"], row["reason"]]
            for row in run.report
        ),
    )
