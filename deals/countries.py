"""ISO 3166-1 alpha-2 country codes with English names, read from the time-zone database that
ships with the ``tzdata`` package (no network, no extra dependency)."""

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    text = resources.files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text("utf-8")
    rows = (line.split("\t", 1) for line in text.splitlines() if line and line[0] != "#")
    return {code.strip(): name.strip() for code, name in rows}


def is_country_code(value: str) -> bool:
    return value in countries()


def country_choices() -> list[tuple[str, str]]:
    return sorted(countries().items(), key=lambda item: item[1])


def country_name(code: str) -> str:
    return countries().get(code, code)
