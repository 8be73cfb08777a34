"""Countries: ISO 3166-1 alpha-2 codes and their English names (from django-countries).

Records store the two-letter code; pages write the name ("United Kingdom", not "GB")."""

from functools import lru_cache

from django_countries import countries as _countries


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    """Every code and its name, in the order of the names."""
    return {code: str(name) for code, name in _countries}


def is_country_code(value: str) -> bool:
    return value in countries()


def country_choices() -> list[tuple[str, str]]:
    return list(countries().items())


def country_name(code: str) -> str:
    """The country's name, or the code itself when it is not a country (old or foreign data)."""
    return countries().get(code, code)
