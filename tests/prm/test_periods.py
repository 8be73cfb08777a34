import datetime as dt

import pytest

from prm.periods import fiscal_quarter, fiscal_year, parse_period


def test_calendar_fiscal_year_quarters():
    q = fiscal_quarter(dt.date(2026, 5, 17), start_month=1)
    assert (q.year, q.quarter, q.start, q.end) == (
        2026,
        2,
        dt.date(2026, 4, 1),
        dt.date(2026, 6, 30),
    )


def test_fiscal_year_starting_february_is_named_for_the_year_it_ends():
    year = fiscal_year(dt.date(2026, 2, 1), start_month=2)
    assert year.label == "FY2027"
    assert year.start == dt.date(2026, 2, 1) and year.end == dt.date(2027, 1, 31)
    assert fiscal_quarter(dt.date(2027, 1, 31), start_month=2).label == "FY2027-Q4"
    assert fiscal_quarter(dt.date(2026, 1, 31), start_month=2).label == "FY2026-Q4"


def test_next_and_previous_quarter_cross_the_year():
    q4 = fiscal_quarter(dt.date(2026, 12, 1), start_month=1)
    assert q4.next().label == "FY2027-Q1"
    assert q4.next().previous() == q4


@pytest.mark.parametrize("label", ["FY2027", "FY2027-Q1", "FY2027-Q3"])
def test_parse_period_round_trips(label):
    assert parse_period(label, start_month=7).label == label


def test_parse_period_rejects_garbage():
    with pytest.raises(ValueError, match="expected FY2027"):
        parse_period("2027Q1")
    with pytest.raises(ValueError, match="Quarter must be 1 to 4"):
        parse_period("FY2027-Q5")
