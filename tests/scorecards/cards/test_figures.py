"""A scorecard criterion's figures read as people read them: money in its currency, counts as
whole numbers with their unit after the full-marks value, percentages and hours with theirs."""

import pytest

from scorecards.templatetags.scorecard_figures import (
    criterion_label,
    criterion_target,
    criterion_value,
)


@pytest.mark.parametrize(
    ("row", "value", "target"),
    [
        ({"value": "268200.00", "target": "100000.00", "unit": "USD"}, "USD 268,200.00",
         "USD 100,000.00"),
        ({"value": "1500", "target": "1000", "unit": "JPY"}, "JPY 1,500", "JPY 1,000"),
        ({"value": "13", "target": "6.00", "unit": "registrations"}, "13", "6 registrations"),
        ({"value": "1", "target": "3.00", "unit": "people"}, "1", "3 people"),
        ({"value": "100.0", "target": "50.00", "unit": "%"}, "100 %", "50 %"),
        ({"value": "12.50", "target": "24.00", "unit": "hours"}, "12.5", "24 hours"),
        ({"value": None, "target": "2.00", "unit": "references"}, "", "2 references"),
    ],
)  # fmt: skip
def test_each_kind_of_figure(row, value, target):
    assert (criterion_value(row), criterion_target(row)) == (value, target)


def test_a_criterion_reads_by_its_name():
    assert criterion_label("customer_satisfaction") == "Customer satisfaction"
    assert criterion_label("no_such_criterion") == "no_such_criterion"
