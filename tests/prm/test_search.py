"""The portal's search rule (``prm.search``): a word of three letters or more matches anywhere,
a word of one or two letters matches the start of a word."""

import pytest

from partners.models import Partner
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

NAMES = [
    "GE Healthcare",
    "Strategic Agency",
    "Big Engines",
    "Sales-Geeks",
    "mail@gecko",
    "www.gex.example",
    "Acme 50%_Off",
]


@pytest.fixture
def partners():
    for name in NAMES:
        PartnerFactory(display_name=name)


def found(word: str) -> set[str]:
    return set(
        Partner.objects.filter(display_name__matches=word).values_list("display_name", flat=True)
    )


def test_a_short_word_matches_the_start_of_a_word_only(partners):
    assert found("ge") == {
        "GE Healthcare",
        "Sales-Geeks",
        "mail@gecko",
        "www.gex.example",
    }
    assert found("a") == {"Strategic Agency", "Acme 50%_Off"}
    assert found("en") == {"Big Engines"}
    assert found("eg") == set()


def test_a_word_of_three_letters_or_more_matches_anywhere(partners):
    assert found("gen") == {"Strategic Agency"}
    assert found("ENGINE") == {"Big Engines"}
    assert found("teg") == {"Strategic Agency"}


def test_wildcards_in_a_word_are_matched_literally(partners):
    assert found("0%_") == {"Acme 50%_Off"}
    assert found("%") == set()
    assert found("_o") == set()
    assert found("_O") == set()
