"""The API's JSON renderer writes the bytes DRF's would."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import models
from django.utils.functional import lazy
from rest_framework import renderers
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from prm.api.renderers import JSONRenderer


class _Colour(models.TextChoices):
    RED = "red", "Red"


class _Level(models.IntegerChoices):
    HIGH = 3, "High"


_lazy_text = lazy(lambda: "traduit", str)


CASES = {
    "page": ReturnDict(
        {
            "count": 2,
            "results": ReturnList(
                [{"id": 1, "name": "Édition", "ok": True, "none": None}],
                serializer=None,
            ),
        },
        serializer=None,
    ),
    "times": {
        "utc": dt.datetime(2026, 12, 4, 9, 52, 17, 141879, tzinfo=dt.UTC),
        "offset": dt.datetime(
            2026, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))
        ),
        "naive": dt.datetime(2026, 1, 1, 12, 0, 0, 5),
        "date": dt.date(2026, 4, 21),
        "time": dt.time(8, 30),
        "duration": dt.timedelta(days=2, seconds=5),
    },
    "values": {
        "decimal": Decimal("61288.79"),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "lazy": _lazy_text(),
        "choice": _Colour.RED,
        "level": _Level.HIGH,
        "float": 0.1,
        "tuple": (1, 2),
        "set_free_bytes": b"raw",
    },
    "text": {"separators": "a\u2028b\u2029c", "quote": 'say "hi"\n', "emoji": "🚀"},
    "big integer": {"n": 2**70},
    "integer keys": {1: "one"},
}


@pytest.mark.parametrize("name", CASES)
def test_the_same_bytes_as_drf(name):
    data = CASES[name]
    assert JSONRenderer().render(data) == renderers.JSONRenderer().render(data)


def test_indented_answers_are_drfs():
    data = {"a": [1, {"b": Decimal("1.50")}]}
    context = {"indent": 2}
    written = JSONRenderer().render(data, "application/json; indent=2", context)
    assert written == renderers.JSONRenderer().render(data, "application/json; indent=2", context)
    assert b"\n  " in written


def test_what_neither_can_write_fails_as_in_drf():
    with pytest.raises(TypeError):
        JSONRenderer().render({"thing": object()})


def test_nothing_is_written_for_no_data():
    assert JSONRenderer().render(None) == b""


@pytest.mark.django_db
def test_the_api_answers_with_it(key_client, tiers):
    response = key_client("partners:read").get("/api/v1/tiers/")
    assert response.status_code == 200
    assert type(response.accepted_renderer) is JSONRenderer
    assert response.content == renderers.JSONRenderer().render(response.data)
    assert response.json()["results"]
