"""Sets of ids for ``__in`` filters: the rows of exactly those ids, however many."""

import pytest

from prm.id_sets import id_array, id_set
from prm.models import ChannelTeam

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams():
    return [ChannelTeam.objects.create(name=f"Team {i}") for i in range(5)]


def _named(ids) -> list[str]:
    return sorted(ChannelTeam.objects.filter(pk__in=id_set(ids)).values_list("name", flat=True))


def test_an_id_set_selects_the_rows_of_its_ids(teams):
    assert _named([teams[3].pk, teams[1].pk, teams[3].pk]) == ["Team 1", "Team 3"]
    assert _named(iter([teams[0].pk])) == ["Team 0"]  # any iterable, read once
    assert _named([]) == []


def test_thousands_of_ids_are_one_set(teams):
    ids = [teams[2].pk, *range(10**9, 10**9 + 10_000)]
    assert _named(ids) == ["Team 2"]


def test_an_id_array_holds_only_integers():
    assert id_array([3, 1, 2]) == "{3,1,2}"
    assert id_array([]) == "{}"
    with pytest.raises(ValueError):
        id_array(["1}; DROP TABLE prm_channelteam; --"])
