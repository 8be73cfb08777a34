"""Company names and domains normalised one way: when a deal registration is stored and
searched for conflicts, and when a partner application is compared with existing partners. No
database access here, so models and imports of every app may use it freely."""

import re
import unicodedata
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

LEGAL_SUFFIXES = frozenset(
    {
        "ab",
        "ag",
        "as",
        "bv",
        "co",
        "company",
        "corp",
        "corporation",
        "gmbh",
        "inc",
        "incorporated",
        "kg",
        "limited",
        "llc",
        "llp",
        "lp",
        "ltd",
        "nv",
        "oy",
        "plc",
        "pty",
        "sa",
        "sarl",
        "sas",
        "spa",
        "srl",
    }
)

# "Johnson & Johnson" and "Johnson and Johnson" are the same customer.
_FILLERS = frozenset({"and", "und", "et"})
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
# Dotted legal forms ("S.A.", "B.V.", "L.L.C.") are joined before punctuation is removed so
# they fall under the same suffix words as their undotted spelling.
_DOTTED_ABBREVIATION = re.compile(r"\b(?:[a-z]\.){2,}")


def normalize_company_name(name: str) -> str:
    """``"ACME Corporation, Inc."`` → ``"acme"``: case-folded, accents and punctuation removed,
    legal-form words, a leading "the" and "and"/"&" dropped, spaces collapsed. A name made only
    of such words keeps them all, so it never normalises to "" (which would match nothing
    or everything)."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("&", " ")
    text = _DOTTED_ABBREVIATION.sub(lambda m: m.group(0).replace(".", ""), text)
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    words = _SPACES.sub(" ", text).strip().split(" ")
    words = [word for word in words if word]
    significant = words[1:] if words and words[0] == "the" else words
    kept = [word for word in significant if word not in LEGAL_SUFFIXES and word not in _FILLERS]
    return " ".join(kept or words)


@lru_cache(maxsize=1)
def _public_suffixes() -> PublicSuffixList:
    # Loads the list bundled with the package; never fetched over the network.
    return PublicSuffixList()


_HOST_CHARS = re.compile(r"^[a-z0-9.-]+$")


def registrable_domain(value: str) -> str:
    """The registrable domain ("example.co.uk") of a URL, host name or email address; "" when
    there is none (empty input, an IP address, a bare public suffix, a malformed host)."""
    host = (value or "").strip().casefold()
    if not host:
        return ""
    if "@" in host:
        host = host.rpartition("@")[2]
    if "://" in host:
        host = host.split("://", 1)[1]
    host = re.split(r"[/?#]", host, maxsplit=1)[0]
    host = host.rpartition("@")[2].split(":", 1)[0].strip(".")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return ""
    if not host or "." not in host or not _HOST_CHARS.match(host) or ".." in host:
        return ""
    if host.replace(".", "").isdigit():
        return ""
    return _public_suffixes().privatesuffix(host) or ""


# Addresses at these providers say nothing about the customer's company.
FREE_MAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "gmail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "googlemail.com",
        "hotmail.co.uk",
        "hotmail.com",
        "hotmail.fr",
        "icloud.com",
        "live.com",
        "mail.com",
        "mail.ru",
        "me.com",
        "msn.com",
        "outlook.com",
        "proton.me",
        "protonmail.com",
        "qq.com",
        "t-online.de",
        "web.de",
        "yahoo.co.uk",
        "yahoo.com",
        "yahoo.fr",
        "yandex.ru",
        "zoho.com",
    }
)


def company_domain(value: str) -> str:
    """The registrable domain of a URL or address unless it belongs to a free-mail provider."""
    domain = registrable_domain(value)
    return "" if domain in FREE_MAIL_DOMAINS else domain
