"""Lists read as value rows (``prm.api.rows``) answer exactly as their serializers do with model
instances: the same JSON in every time zone, with one query whatever the number of rows, and
serializers the rows cannot answer for are left to DRF."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers

from deals.api.serializers import REGISTRATION_REFERENCES, RegistrationOutputSerializer
from deals.models import DealRegistration
from partners.api.serializers import PartnerRefSerializer
from partners.models import Partner
from prm.api import views
from prm.api.representation import with_references
from prm.api.rows import _represent, _unchanged_type, row_plan
from tests.api.assertions import drf_answer

pytestmark = pytest.mark.django_db

REGISTRATIONS = "/api/v1/registrations/"


def _planned(serializer_class, queryset) -> list[dict]:
    plan = row_plan(serializer_class)
    assert plan is not None
    return plan.represent(plan.queryset(queryset), db="default")


def _instances(serializer_class, queryset) -> list[dict]:
    return [drf_answer(serializer_class(row), row) for row in queryset]


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles", "Asia/Kolkata"])
def test_registration_rows_answer_as_the_serializer(registrations, ops, zone):
    queryset = DealRegistration.objects.order_by("pk")
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        planned = _planned(RegistrationOutputSerializer, queryset)
        plain = _instances(
            RegistrationOutputSerializer, with_references(queryset, **REGISTRATION_REFERENCES)
        )
    assert planned == plain
    won, draft, submitted = planned
    assert won["decided_by"] == {"id": ops.pk, "email": ops.email, "full_name": ops.full_name}
    assert won["product_lines"] == ["Cloud", "Édition"]
    assert won["closed_amount"] == "1250000.00"
    assert draft["decided_by"] is None and draft["distributor"] is None
    assert (draft["sla_breached"], submitted["sla_breached"]) == (False, True)  # a property


def test_a_page_is_one_query_and_one_per_related_table_whatever_its_rows(
    registrations, django_assert_num_queries
):
    """The registrations, then their partners and distributors together, then their users."""
    plan = row_plan(RegistrationOutputSerializer)
    with django_assert_num_queries(3):
        rows = plan.represent(plan.queryset(DealRegistration.objects.all()), db="default")
    assert len(rows) == 3


class _ResellerSerializer(serializers.ModelSerializer):
    parent_distributor = PartnerRefSerializer(read_only=True)

    class Meta:
        model = Partner
        fields = ["id", "display_name", "parent_distributor"]


def test_a_reference_to_a_row_of_the_same_table(acme, distri):
    """The related row is read under its own alias, not confused with the outer row."""
    planned = _planned(_ResellerSerializer, Partner.objects.filter(pk__in=[acme.pk, distri.pk]))
    by_id = {row["id"]: row for row in planned}
    assert by_id[acme.pk]["parent_distributor"] == {"id": distri.pk, "display_name": "Distri"}
    assert by_id[distri.pk]["parent_distributor"] is None
    assert planned == _instances(
        _ResellerSerializer, Partner.objects.filter(pk__in=[acme.pk, distri.pk])
    )


class _WithMethod(serializers.ModelSerializer):
    shout = serializers.SerializerMethodField()

    class Meta:
        model = Partner
        fields = ["id", "shout"]

    def get_shout(self, partner):
        return partner.display_name.upper()


class _OwnRepresentation(serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = ["id"]

    def to_representation(self, instance):
        return {"id": str(instance.pk)}


class _WithFile(serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = ["id", "logo"]  # a file's address needs the request


class _WithManyReferences(serializers.ModelSerializer):
    resellers = PartnerRefSerializer(many=True, read_only=True)

    class Meta:
        model = Partner
        fields = ["id", "resellers"]


@pytest.mark.parametrize(
    "serializer_class", [_WithMethod, _OwnRepresentation, _WithFile, _WithManyReferences]
)
def test_serializers_the_rows_cannot_answer_for_have_no_plan(serializer_class):
    assert row_plan(serializer_class) is None


def _pages(client, params) -> list[dict]:
    """Every page of the registrations list, following ``next``."""
    pages, url = [], REGISTRATIONS
    while url:
        answer = client.get(url, params if url == REGISTRATIONS else None)
        assert answer.status_code == 200, answer.content
        pages.append(answer.json())
        url = pages[-1]["next"]
    return pages


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": 2},
        {"page_size": 2, "ordering": "estimated_amount"},
        {"page_size": 2, "status": "submitted"},
        {"page_size": 2, "pagination": "cursor"},
    ],
)
def test_the_list_answers_as_without_rows(
    registrations,
    key_client,
    monkeypatch,
    params,
):
    client = key_client("deals:read")
    with_rows = _pages(client, params)
    monkeypatch.setattr(views, "row_plan", lambda serializer_class: None)
    assert _pages(client, params) == with_rows
    assert sum(len(page["results"]) for page in with_rows) == (
        1 if "status" in params else len(registrations)
    )


def test_the_registrations_list_reads_rows_without_joins(registrations, key_client):
    client = key_client("deals:read")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(REGISTRATIONS).status_code == 200
    (page,) = [q["sql"] for q in queries if 'FROM "deals_dealregistration"' in q["sql"]]
    assert "JOIN" not in page and "partners_partner" not in page
    (partners,) = [q["sql"] for q in queries if 'FROM "partners_partner"' in q["sql"]]
    assert "display_name" in partners and "JOIN" not in partners  # the page's partners only


class _Values(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=8, decimal_places=2)
    rounded_up = serializers.DecimalField(max_digits=8, decimal_places=1, rounding="ROUND_HALF_UP")
    day = serializers.DateField()
    big = serializers.IntegerField()


@pytest.mark.parametrize(
    "value",
    [
        Decimal("61288.79"),
        Decimal("12.345"),
        Decimal("-0.005"),
        Decimal("7"),
        12.5,
        "3.14159",
    ],
)
def test_decimals_are_written_as_drf_writes_them(value):
    for name in ("amount", "rounded_up"):
        field = _Values().fields[name]
        write, _ = _represent(field, timezone.get_current_timezone())
        assert write(value) == field.to_representation(value)


def test_dates_and_big_integers_are_written_as_drf_writes_them():

    field = _Values().fields["day"]
    write, _ = _represent(field, timezone.get_current_timezone())
    for value in (dt.date(2026, 4, 21), dt.date(1, 1, 1), "2026-04-21"):
        assert write(value) == field.to_representation(value)
    big = serializers.BigIntegerField()
    assert _unchanged_type(big) is int
    assert _unchanged_type(serializers.BigIntegerField(coerce_to_string=True)) is not int


def test_related_rows_are_read_by_cached_sql_only_where_no_column_is_converted(acme, globex):
    from prm.api.rows import _by_key_sql, _rows_by_key

    names = ("id", "display_name", "created_at")
    assert _by_key_sql(Partner, ("id", "target_sectors"), "postgresql") is None  # JSON
    assert _by_key_sql(Partner, names, "sqlite") is None
    assert _by_key_sql(Partner, names, "postgresql").endswith('WHERE "id" = ANY(%s)')
    read = _rows_by_key(
        Partner, "id", ["display_name", "created_at"], {acme.pk, globex.pk}, "default"
    )
    orm = Partner.objects.filter(pk__in=[acme.pk, globex.pk]).values(*names)
    assert sorted(read, key=lambda row: row["id"]) == sorted(orm, key=lambda row: row["id"])
