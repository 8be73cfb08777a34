"""Reading uploaded CSV files and writing CSV reports, one way for every import in the portal.

Uploads come from spreadsheets and other systems: a UTF-8 byte-order mark, ``;`` as the
separator and blank lines are accepted; anything that is not UTF-8 text is refused with a
clear message. Rows keep the line number a person sees in the file (the header is line 1).
Reports are opened in spreadsheets, so a cell that would run as a formula is defused.
"""

import csv
import io
from collections.abc import Iterable

from django.utils.translation import gettext as _

from .exceptions import DomainError


class InvalidCsvFile(DomainError):
    """The file cannot be read as CSV."""

    code = "invalid_csv_file"


def decode(data: bytes, *, error: type[DomainError] = InvalidCsvFile) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(
            _("The file is not UTF-8 text (byte %(pos)d). Save it as “CSV UTF-8” and try again.")
            % {"pos": exc.start + 1}
        ) from exc
    if "\x00" in text:
        raise error(_("The file is not a CSV text file."))
    return text


def read_rows(
    data: bytes | str,
    *,
    required: Iterable[str],
    max_rows: int,
    error: type[DomainError] = InvalidCsvFile,
) -> tuple[list[str], list[tuple[int, dict]]]:
    """Return (columns, [(line number, {column: value})]) with lower-cased, trimmed column
    names; blank lines are skipped. Raises ``error`` for an unreadable file, a missing
    required column, no rows, or more than ``max_rows`` rows."""
    text = decode(data, error=error) if isinstance(data, bytes) else data
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        columns = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise error(_("The file is empty.")) from None
    except csv.Error as exc:
        raise error(_("Line 1 is not valid CSV: %(error)s") % {"error": exc}) from exc
    missing = [name for name in required if name not in columns]
    if missing:
        raise error(
            _("The header row lacks the required columns: %(names)s.")
            % {"names": ", ".join(missing)},
            details={"missing_columns": missing},
        )
    rows: list[tuple[int, dict[str, str | list[str]]]] = []
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise error(
                _("Line %(line)d is not valid CSV: %(error)s") % {"line": line, "error": exc}
            ) from exc
        if not any(value.strip() for value in values):
            continue
        if len(rows) >= max_rows:
            raise error(_("The file has more than %(n)d rows; split it.") % {"n": max_rows})
        row: dict[str, str | list[str]] = dict(
            zip(columns, (value.strip() for value in values), strict=False)
        )
        if len(values) > len(columns):
            row[EXTRA_VALUES] = values[len(columns) :]
        rows.append((line, row))
    if not rows:
        raise error(_("The file has a header but no rows."))
    return columns, rows


# The key under which a row keeps the values beyond the header's columns (a list), so importers
# can refuse the row and say why.
EXTRA_VALUES = "\x00extra"


def safe_cell(value) -> str:
    """A spreadsheet runs a cell starting with = + - @ (or a tab/CR) as a formula: defuse it."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def report_csv(header: list[str], rows: Iterable[Iterable]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()
