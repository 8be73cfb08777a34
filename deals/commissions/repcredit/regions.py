"""The sales region a customer's country belongs to (``partners.models.Region``).

North America and Latin America follow the Americas split; Asia Pacific takes Asia (east of
Iran) and Oceania; every other country (Europe, the Middle East, Africa) is EMEA.
"""

from partners.models import Region

NORTH_AMERICA = frozenset({"US", "CA", "PM", "BM", "GL", "UM"})
LATIN_AMERICA = frozenset(
    [
        "MX",
        "GT",
        "BZ",
        "SV",
        "HN",
        "NI",
        "CR",
        "PA",
        "CU",
        "DO",
        "HT",
        "JM",
        "PR",
        "BS",
        "BB",
        "TT",
        "AG",
        "DM",
        "GD",
        "KN",
        "LC",
        "VC",
        "AI",
        "AW",
        "BQ",
        "CW",
        "SX",
        "MF",
        "BL",
        "GP",
        "MQ",
        "KY",
        "TC",
        "VG",
        "VI",
        "MS",
        "CO",
        "VE",
        "EC",
        "PE",
        "BO",
        "CL",
        "AR",
        "UY",
        "PY",
        "BR",
        "GY",
        "SR",
        "GF",
        "FK",
    ]
)
ASIA_PACIFIC = frozenset(
    [
        "AF",
        "PK",
        "IN",
        "BD",
        "LK",
        "NP",
        "BT",
        "MV",
        "MM",
        "TH",
        "LA",
        "KH",
        "VN",
        "MY",
        "SG",
        "ID",
        "BN",
        "PH",
        "TL",
        "CN",
        "HK",
        "MO",
        "TW",
        "KR",
        "KP",
        "JP",
        "MN",
        "KZ",
        "KG",
        "TJ",
        "TM",
        "UZ",
        "AU",
        "NZ",
        "PG",
        "FJ",
        "SB",
        "VU",
        "NC",
        "PF",
        "WS",
        "TO",
        "KI",
        "TV",
        "NR",
        "FM",
        "MH",
        "PW",
        "GU",
        "MP",
        "AS",
        "CK",
        "NU",
        "TK",
        "WF",
        "PN",
        "NF",
        "CX",
        "CC",
        "IO",
        "HM",
    ]
)


def region_of(country: str) -> str:
    code = (country or "").upper()
    if code in NORTH_AMERICA:
        return Region.NORTH_AMERICA
    if code in LATIN_AMERICA:
        return Region.LATIN_AMERICA
    if code in ASIA_PACIFIC:
        return Region.APAC
    return Region.EMEA
