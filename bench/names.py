"""Deterministic, varied company names and domains for the scale data set."""

import random
import re
import unicodedata


def _words(text: str) -> list[str]:
    return text.split()


ADJECTIVES = _words(
    """Blue Red Green Silver Golden Northern Southern Eastern Western Pacific Atlantic
Alpine Summit Apex Prime Bright Clear Swift Rapid Solid True Pure Bold Grand Noble Royal Urban
Rural Coastal Central Global United Allied Modern Future Next First Key Core Smart Open Quantum
Digital Cyber Cloud Data Metro Civic Harbor River Lake Forest Mountain Valley Prairie Desert
Crystal Granite Iron Copper Cobalt Crimson Amber Ivory Onyx Jade Ruby Sapphire Emerald Scarlet
Azure Polar Solar Lunar Stellar Orbit Vector Vertex Matrix Nova Astra Terra Aqua Vita Lumen"""
)
NOUNS = _words(
    """Bridge Point Peak Ridge Stone Rock Wave Tide Wind Fire Light Spark Star Sky Field Grove
Oak Pine Cedar Maple Willow Birch Falcon Eagle Hawk Raven Wolf Fox Bear Lion Tiger Otter Heron
Anchor Compass Beacon Harbor Haven Gate Tower Forge Mill Works Labs Logic Systems Dynamics Networks
Solutions Partners Group Holdings Ventures Industries Analytics Technologies Software Security
Consulting Capital Health Foods Energy Logistics Media Robotics Materials Pharma Retail Textiles
Motors Aerospace Marine Farms Brewing Medical Dental Legal Insurance Realty Construction Design"""
)
SURNAMES = _words(
    """Smith Johnson Miller Garcia Martinez Anderson Taylor Thomas Moore Jackson Martin Lee
Thompson White Harris Clark Lewis Walker Hall Allen Young King Wright Scott Green Baker Adams Nelson
Hill Campbell Mitchell Roberts Carter Phillips Evans Turner Torres Parker Collins Edwards Stewart
Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell Kelly Howard Ward Cox Richardson
Wood Watson Brooks Bennett Gray James Hughes Price Sanders Myers Long Ross Foster Schmidt Müller
Schneider Fischer Weber Meyer Wagner Becker Dubois Moreau Laurent Bernard Rossi Russo Ferrari
Bianchi Romano Silva Santos Oliveira Costa Tanaka Suzuki Sato Kim Park Chen Wang Nakamura Jansen"""
)
LEGAL = ["Inc", "LLC", "Ltd", "GmbH", "SA", "BV", "plc", "Corp", "Co", "AG", "Pty Ltd", "SAS", ""]
TLDS = [
    ("com", 40), ("io", 6), ("net", 5), ("co.uk", 8), ("de", 8), ("fr", 5), ("com.au", 4),
    ("nl", 3), ("it", 3), ("es", 3), ("ca", 4), ("co.jp", 2), ("com.br", 3), ("ch", 2), ("se", 2),
]  # fmt: skip
COUNTRY_FOR_TLD = {
    "com": "US", "io": "US", "net": "US", "co.uk": "GB", "de": "DE", "fr": "FR", "com.au": "AU",
    "nl": "NL", "it": "IT", "es": "ES", "ca": "CA", "co.jp": "JP", "com.br": "BR", "ch": "CH",
    "se": "SE",
}  # fmt: skip
FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com"]
INDUSTRIES = [
    "Manufacturing", "Healthcare", "Financial services", "Retail", "Education", "Government",
    "Energy", "Technology", "Logistics", "Media", "Hospitality", "Legal", "Construction",
]  # fmt: skip


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", ascii_text.lower())


ONSETS = _words("b br c ch cl d dr f fl g gr h j k kl l m n p pr qu r s sh st t tr v w z")
VOWELS = _words("a e i o u ai ea io ou y")
CODAS = ["", "", "", "n", "r", "l", "x", "s", "m", "nt", "rk", "st", "v"]


def brand(rng: random.Random) -> str:
    """A made-up distinctive word ("Kovarix", "Brelonta"): most real company names carry one,
    which is what keeps their trigrams selective."""
    syllables = rng.choice((2, 2, 3))
    word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(syllables))
    return (word + rng.choice(CODAS)).capitalize()


def company(rng: random.Random) -> tuple[str, str, str]:
    """Return (name, domain, country) for one company."""
    shape = rng.random()
    if shape < 0.35:
        core = f"{brand(rng)} {rng.choice(NOUNS)}"
    elif shape < 0.5:
        core = brand(rng)
    elif shape < 0.65:
        core = f"{rng.choice(ADJECTIVES)} {brand(rng)}"
    elif shape < 0.8:
        core = f"{rng.choice(SURNAMES)} {brand(rng)} {rng.choice(NOUNS)}"
    elif shape < 0.9:
        core = f"{rng.choice(SURNAMES)} & {rng.choice(SURNAMES)} {rng.choice(NOUNS)}"
    else:
        core = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(NOUNS)}"
    tld = rng.choices([t for t, _ in TLDS], weights=[w for _, w in TLDS])[0]
    legal = rng.choice(LEGAL)
    name = f"{core} {legal}".strip()
    label = slug(core)
    if rng.random() < 0.3:
        label += str(rng.randint(1, 999))
    return name, f"{label}.{tld}", COUNTRY_FOR_TLD[tld]
