"""Input is checked against the column it lands in, with the same bounds on every database."""

from decimal import Decimal

import pytest
from django import forms
from django.db import models
from rest_framework import serializers

from partners.models import Application, Partner
from prm.columns import ColumnBoundForm, ColumnBoundSerializer, column_validators

INT_MAX = 2**31 - 1


class _Input(ColumnBoundSerializer):
    customer_count = serializers.IntegerField(min_value=0)
    display_name = serializers.CharField()
    domains = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        models = (Application, Partner)


class _Form(ColumnBoundForm):
    column_models = (Application, Partner)

    customer_count = forms.IntegerField(min_value=0)
    display_name = forms.CharField()


@pytest.mark.parametrize(("count", "valid"), [(INT_MAX, True), (INT_MAX + 1, False)])
def test_an_integer_beyond_the_column_is_refused_by_the_api(count, valid):
    serializer = _Input(data={"customer_count": count, "display_name": "Acme"})
    assert serializer.is_valid() is valid
    if not valid:
        assert list(serializer.errors) == ["customer_count"]


def test_text_longer_than_its_column_is_refused_by_the_api_and_forms():
    serializer = _Input(data={"customer_count": 1, "display_name": "x" * 121})
    form = _Form(data={"customer_count": 1, "display_name": "x" * 121})
    assert not serializer.is_valid() and list(serializer.errors) == ["display_name"]
    assert not form.is_valid() and list(form.errors) == ["display_name"]


def test_an_integer_beyond_the_column_is_refused_by_forms():
    form = _Form(data={"customer_count": str(13_395_455_610), "display_name": "Acme"})
    assert not form.is_valid() and list(form.errors) == ["customer_count"]


def test_decimal_columns_bound_digits_and_places():
    field = models.DecimalField(max_digits=5, decimal_places=2)
    (validator,) = column_validators(field)
    validator(Decimal("999.99"))
    with pytest.raises(Exception, match="digits"):
        validator(Decimal("1000.00"))


def test_a_form_field_limit_stricter_than_the_column_is_reported_once():
    class Stricter(ColumnBoundForm):
        column_models = (Partner,)
        display_name = forms.CharField(max_length=50)

    form = Stricter(data={"display_name": "x" * 200})
    assert not form.is_valid()
    assert len(form.errors["display_name"]) == 1
