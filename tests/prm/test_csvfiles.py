import re

import pytest

from prm.csvfiles import EXTRA_VALUES, InvalidCsvFile, read_rows, report_csv, safe_cell


def test_rows_keep_the_line_numbers_a_person_sees():
    data = (
        b'\xef\xbb\xbfEmail, Code\na@x.example,S1\n\n"b@x.example","multi\nline"\nc@x.example,S3\n'
    )
    columns, rows = read_rows(data, required=["email"], max_rows=10)
    assert columns == ["email", "code"]
    assert [line for line, _ in rows] == [2, 4, 6]
    assert rows[1][1] == {"email": "b@x.example", "code": "multi\nline"}


def test_semicolon_files_from_spreadsheets_are_read():
    _, rows = read_rows("email;code\na@x.example;S1\n", required=["email"], max_rows=10)
    assert rows == [(2, {"email": "a@x.example", "code": "S1"})]


def test_extra_values_are_kept_for_the_importer_to_refuse():
    _, rows = read_rows("email\na@x.example,surplus\n", required=["email"], max_rows=10)
    assert rows[0][1][EXTRA_VALUES] == ["surplus"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfeemail", "not UTF-8 text (byte 1)"),
        (b"", "The file is empty"),
        (b"email\n", "a header but no rows"),
        (b"name\nx\n", "lacks the required columns: email"),
        (b"email\n" + b"a\n" * 4, "more than 3 rows"),
        (b"email\x00\n", "not a CSV text file"),
    ],
)
def test_unreadable_files_get_a_clear_reason(data, message):
    with pytest.raises(InvalidCsvFile, match=re.escape(message)):
        read_rows(data, required=["email"], max_rows=3)


def test_reports_defuse_formulas():
    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert safe_cell("-1") == "'-1" and safe_cell("plain") == "plain" and safe_cell(None) == ""
    assert report_csv(["line", "reason"], [[2, "@SUM(A1)"]]) == "line,reason\r\n2,'@SUM(A1)\r\n"
