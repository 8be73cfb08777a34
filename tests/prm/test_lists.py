"""The list toolkit's own rules: CSV cells and the per-row bulk runner."""

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from prm.exceptions import DomainError
from prm.lists import csv_cell, run_bulk
from prm.models import Notification
from tests.factories import UserFactory


def test_numbers_stay_numbers_and_text_that_would_run_is_defused():
    assert csv_cell(Decimal("-5.00")) == Decimal("-5.00")
    assert csv_cell("-5") == "'-5"
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell(None) == ""
    assert csv_cell(dt.date(2026, 1, 2)) == "2026-01-02"


@pytest.mark.django_db
def test_a_refused_row_leaves_nothing_behind_and_the_others_apply():
    user = UserFactory()

    def write_then_maybe_refuse(n: int) -> None:
        Notification.objects.create(user=user, kind="test", title=f"row {n}")
        if n == 2:
            raise DomainError("Two is refused.")
        if n == 3:
            raise Http404

    result = run_bulk("Test", [1, 2, 3, 4], write_then_maybe_refuse, label=str)
    assert [(row.label, row.ok, row.message) for row in result.rows] == [
        ("1", True, ""),
        ("2", False, "Two is refused."),
        ("3", False, "Not in your scope."),
        ("4", True, ""),
    ]
    assert sorted(Notification.objects.values_list("title", flat=True)) == ["row 1", "row 4"]
