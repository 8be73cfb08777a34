"""Many new rows in one write: the same rows ``bulk_create`` would write, all or none; and
the transactions that write them."""

import pytest
from django.db import IntegrityError, connection, transaction

from prm.bulk import JSONText, atomic_bulk, insert_many, insert_rows
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


def test_insert_rows_writes_json_given_as_text_as_that_json():
    rows = [("MSP team", JSONText('{"models": ["msp", "mssp"], "quoted": "say \\"hi\\""}'))]

    assert insert_rows(ChannelTeam, ["name", "business_models"], rows) == 1

    team = ChannelTeam.objects.get()
    assert team.business_models == {"models": ["msp", "mssp"], "quoted": 'say "hi"'}


def test_insert_rows_writes_a_value_given_again_as_given_each_time():
    # The same object in consecutive rows is prepared once: a value between them must not
    # stand in for it, nor it for the value after.
    shared, other = ["msp"], {"tier": "gold"}
    rows = [("A", shared), ("B", shared), ("C", other), ("D", shared), ("E", ["var"])]

    assert insert_rows(ChannelTeam, ["name", "business_models"], rows) == 5

    written = dict(ChannelTeam.objects.values_list("name", "business_models"))
    assert written == {"A": ["msp"], "B": ["msp"], "C": {"tier": "gold"}, "D": ["msp"],
                       "E": ["var"]}  # fmt: skip


def test_insert_rows_refuses_a_column_the_model_does_not_have():
    with pytest.raises(ValueError, match="colour"):
        insert_rows(ChannelTeam, ["name", "colour"], [("Blue", "blue")])
    assert not ChannelTeam.objects.exists()


# --- atomic_bulk ------------------------------------------------------------------------------


def _plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('plan_cache_mode')")
        return cursor.fetchone()[0]


def test_atomic_bulk_commits_its_rows_together():
    with atomic_bulk():
        insert_rows(ChannelTeam, ["name"], [("North",), ("South",)])
    assert sorted(ChannelTeam.objects.values_list("name", flat=True)) == ["North", "South"]


def test_atomic_bulk_keeps_nothing_of_a_block_that_fails():
    with pytest.raises(RuntimeError), atomic_bulk():
        insert_rows(ChannelTeam, ["name"], [("North",)])
        raise RuntimeError("the chunk failed")
    assert not ChannelTeam.objects.exists()


def test_atomic_bulk_still_checks_the_foreign_keys_of_its_rows_at_commit():
    with pytest.raises(IntegrityError), atomic_bulk():
        insert_rows(ChannelTeam, ["name", "lead_id"], [("North", 987654321)])
    assert not ChannelTeam.objects.exists()


@pytest.fixture
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("plans are PostgreSQL's")


@pytest.mark.usefixtures("_postgresql")
def test_the_checks_at_commit_may_keep_one_plan_and_the_session_plans_per_value_again():
    assert _plan_cache_mode() == "force_custom_plan"  # the portal's setting
    with transaction.atomic():
        with atomic_bulk():
            insert_rows(ChannelTeam, ["name"], [("North",)])
            assert _plan_cache_mode() == "force_custom_plan"
        # Until the transaction ends: its deferred checks run at the commit.
        assert _plan_cache_mode() == "auto"
    assert _plan_cache_mode() == "force_custom_plan"


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('synchronous_commit')")
        return cursor.fetchone()[0]


@pytest.mark.usefixtures("_postgresql")
def test_a_block_the_job_redoes_if_lost_commits_without_waiting_for_the_disk():
    with transaction.atomic():
        with atomic_bulk():
            insert_rows(ChannelTeam, ["name"], [("North",)])
        assert _synchronous_commit() == "on"  # by default a commit waits for the disk
        with atomic_bulk(redone_if_lost=True):
            insert_rows(ChannelTeam, ["name"], [("South",)])
        assert _synchronous_commit() == "off"  # until the transaction ends
    assert _synchronous_commit() == "on"
    assert ChannelTeam.objects.count() == 2


@pytest.mark.usefixtures("_postgresql")
def test_a_failed_block_leaves_the_planning_as_it_was():
    with transaction.atomic():
        with pytest.raises(RuntimeError), atomic_bulk():
            raise RuntimeError("the chunk failed")
        assert _plan_cache_mode() == "force_custom_plan"
