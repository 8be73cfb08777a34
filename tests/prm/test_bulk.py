"""Many new rows in one write: the same rows ``bulk_create`` would write, all or none."""

import pytest
from django.db import IntegrityError, transaction

from prm.bulk import insert_many, insert_rows
from prm.models import ChannelTeam, User

pytestmark = pytest.mark.django_db(transaction=True)


def test_insert_many_writes_every_column_as_given():
    lead = User.objects.create_user(email="lead@vendor.example", password="x")
    teams = [
        ChannelTeam(name="MSP team", segment='MSPs, "managed" services\\ops', lead=lead,
                    business_models=["msp", "mssp"]),
        ChannelTeam(name="Advisors", business_models={"quoted": 'say "hi"', "tab": "a\tb\nc"}),
    ]  # fmt: skip

    assert insert_many(teams) == 2

    rows = {t.name: t for t in ChannelTeam.objects.all()}
    assert rows["MSP team"].segment == 'MSPs, "managed" services\\ops'
    assert rows["MSP team"].lead == lead
    assert rows["MSP team"].business_models == ["msp", "mssp"]
    assert rows["Advisors"].lead is None and rows["Advisors"].segment == ""
    assert rows["Advisors"].business_models == {"quoted": 'say "hi"', "tab": "a\tb\nc"}


def test_insert_many_of_nothing_writes_nothing():
    assert insert_many([]) == 0
    assert not ChannelTeam.objects.exists()


def test_a_conflicting_row_fails_the_whole_batch():
    ChannelTeam.objects.create(name="Existing")
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_many([ChannelTeam(name="New"), ChannelTeam(name="Existing")])
    assert list(ChannelTeam.objects.values_list("name", flat=True)) == ["Existing"]


def test_insert_rows_writes_the_values_given_and_the_defaults_of_the_other_columns():
    lead = User.objects.create_user(email="lead@vendor.example", password="x")
    rows = [
        ("MSP team", lead.pk, ["msp", "mssp"]),
        ("Advisors", None, {"quoted": 'say "hi"', "tab": "a\tb\nc"}),
    ]

    assert insert_rows(ChannelTeam, ["name", "lead_id", "business_models"], rows) == 2

    teams = {t.name: t for t in ChannelTeam.objects.all()}
    assert teams["MSP team"].lead == lead and teams["MSP team"].segment == ""
    assert teams["MSP team"].business_models == ["msp", "mssp"]
    assert teams["Advisors"].lead is None
    assert teams["Advisors"].business_models == {"quoted": 'say "hi"', "tab": "a\tb\nc"}


def test_insert_rows_refuses_a_column_the_model_does_not_have():
    with pytest.raises(ValueError, match="colour"):
        insert_rows(ChannelTeam, ["name", "colour"], [("Blue", "blue")])
    assert not ChannelTeam.objects.exists()
