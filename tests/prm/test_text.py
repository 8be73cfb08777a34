"""One cleaning function for names: invisible control and format characters never get in."""

import pytest

from prm.text import clean_name

RLO, ZWSP, BOM, ZWJ = "\u202e", "\u200b", "\ufeff", "\u200d"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (f"Acme{RLO}moc.live", "Acmemoc.live"),
        (f"Ac{ZWSP}me", "Acme"),
        (f"{BOM}Acme Ltd", "Acme Ltd"),
        (f"Ac{ZWJ}me\u2066x\u2069", "Acmex"),
        ("  Acme \t\n  Holdings\u00a0 ", "Acme Holdings"),
        ("Cafe\u0301 Müller", "Café Müller"),
        ("株式会社サンプル", "株式会社サンプル"),
        ("שלום עולם", "שלום עולם"),
        (f"{ZWSP}{RLO}", ""),
        (None, ""),
    ],
)
def test_a_name_loses_invisible_characters_and_keeps_every_script(typed, kept):
    assert clean_name(typed) == kept
