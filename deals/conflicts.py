"""Conflict detection: who else already claims this end customer?

Normalisation helpers shared with the registration services live here too, so a name or domain
is normalised the same way when it is stored and when it is searched.
"""

import re
import struct
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.conf import settings
from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import TrigramSimilarity
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.signals import connection_created
from django.db.models import Case, ExpressionWrapper, F, FloatField, Q, Value, When
from django.utils import timezone
from publicsuffixlist import PublicSuffixList

from .models import CustomerAccount, DealRegistration, Opportunity

# Legal-form words dropped from company names wherever they stand as a separate word.
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


# --- Trigram similarity, identical on PostgreSQL (pg_trgm) and SQLite (Python) -----------------

# pg_trgm's own default for the ``%`` operator; conflict checks raise it per query.
PG_TRGM_DEFAULT_THRESHOLD = 0.3
_WORD = re.compile(r"[^\W_]+")


def _trigrams(text: str) -> set[str]:
    """pg_trgm's trigram set: each alphanumeric word lower-cased and padded with two spaces in
    front and one behind, cut into every run of three characters."""
    found: set[str] = set()
    for word in _WORD.findall((text or "").lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def _as_real(value: float) -> float:
    # pg_trgm computes in single precision (``real``).
    return struct.unpack("f", struct.pack("f", value))[0]


def _shortest_text(real: float) -> float:
    """The value a PostgreSQL client reads for a ``real``: its shortest round-tripping decimal."""
    for digits in range(1, 10):
        candidate = float(f"{real:.{digits}g}")
        if _as_real(candidate) == real:
            return candidate
    return real


def _similarity_real(a: str, b: str) -> float:
    first, second = _trigrams(a), _trigrams(b)
    if not first or not second:
        return 0.0
    shared = len(first & second)
    return _as_real(shared / (len(first) + len(second) - shared))


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity(a, b)`` (shared trigrams over the union of both sets), exactly as
    PostgreSQL returns it."""
    return _shortest_text(_similarity_real(a or "", b or ""))


def _install_sqlite_functions(sender=None, connection=None, **kwargs) -> None:
    """Give SQLite the two pg_trgm entry points the conflict query uses: ``similarity()`` and
    the ``%`` operator (as ``trigram_similar()``, honouring the per-connection threshold)."""
    if connection is None or connection.vendor != "sqlite":
        return

    def similar(a, b):
        threshold = getattr(connection, "trigram_threshold", PG_TRGM_DEFAULT_THRESHOLD)
        # Compared in single precision, as pg_trgm does.
        return _similarity_real(a or "", b or "") >= threshold

    raw = connection.connection
    raw.create_function("similarity", 2, trigram_similarity, deterministic=True)
    raw.create_function("trigram_similar", 2, similar)
    connection.trigram_functions_for = id(raw)


connection_created.connect(_install_sqlite_functions, dispatch_uid="deals.conflicts.trigram")


def _ensure_sqlite_functions(connection) -> None:
    # Connections opened before this module was imported missed the signal.
    connection.ensure_connection()
    if getattr(connection, "trigram_functions_for", None) != id(connection.connection):
        _install_sqlite_functions(connection=connection)


class PortableTrigramSimilar(TrigramSimilar):
    """``field__trigram_similar=value``: pg_trgm's ``%`` on PostgreSQL (served by the GIN index),
    the Python fallback on SQLite."""

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"trigram_similar({lhs}, {rhs})", (*lhs_params, *rhs_params)


DealRegistration._meta.get_field("customer_name_normalized").register_lookup(PortableTrigramSimilar)
CustomerAccount._meta.get_field("normalized_name").register_lookup(PortableTrigramSimilar)


def _set_similarity_threshold(connection, threshold: float) -> None:
    """The ``%`` operator compares with ``pg_trgm.similarity_threshold``; set it for the current
    transaction only so no other query on a pooled connection inherits it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(threshold)]
            )
    else:
        _ensure_sqlite_functions(connection)
        connection.trigram_threshold = threshold


# --- Scoring --------------------------------------------------------------------------------

# Points per kind of evidence. The sum is capped at 100.
#   domain        45  same registrable website domain ("shop.acme.co.uk" ~ "www.acme.co.uk")
#   email_domain  35  the contact's email domain equals the other side's email or website domain
#   name          35  × trigram similarity of the normalized names (only at or above threshold)
#   country       10  same country, counted only next to another piece of evidence
# A domain on its own, an email domain or an identical name in the same country each reach
# STRONG_SCORE, which is what the partner pre-check treats as "this account is taken".
POINTS = {"domain": 45, "email_domain": 35, "name": 35, "country": 10}
STRONG_SCORE = Decimal(45)
# Candidates scoring below this are not recorded as conflicts on submission (a loose name
# resemblance in another country is noise for the reviewer).
RECORD_MIN_SCORE = Decimal(25)
DEFAULT_NAME_THRESHOLD = 0.45
MAX_CANDIDATES = 20

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


def name_threshold() -> float:
    return float(getattr(settings, "PRM_CONFLICT_NAME_THRESHOLD", DEFAULT_NAME_THRESHOLD))


@dataclass(frozen=True)
class ConflictCandidate:
    """An earlier registration or an open vendor opportunity that may be the same customer."""

    score: Decimal
    evidence: list[dict]
    registration: DealRegistration | None = None
    opportunity: Opportunity | None = None

    @property
    def kind(self) -> str:
        return "registration" if self.registration is not None else "opportunity"

    @property
    def is_strong(self) -> bool:
        return self.score >= STRONG_SCORE


@dataclass(frozen=True)
class _Query:
    name: str
    domain: str
    email_domain: str
    country: str

    @property
    def domains(self) -> list[str]:
        return sorted({d for d in (self.domain, self.email_domain) if d})


def _evidence(
    query: _Query, *, name: str, domain: str, email_domain: str, country: str, similarity: float
) -> list[dict]:
    found = []
    if query.domain and query.domain == domain:
        found.append({"rule": "domain", "value": domain, "similarity": 1.0})
    # The contact's domain against theirs, or either email domain against a website domain.
    pairs = ((query.email_domain, email_domain), (query.email_domain, domain))
    pairs += ((query.domain, email_domain),)
    email_match = next((mine for mine, theirs in pairs if mine and mine == theirs), "")
    if email_match:
        found.append({"rule": "email_domain", "value": email_match, "similarity": 1.0})
    if query.name and (similarity or 0.0) >= name_threshold():
        found.append({"rule": "name", "value": name, "similarity": round(similarity, 4)})
    if found and query.country and query.country == country:
        found.append({"rule": "country", "value": country, "similarity": 1.0})
    return found


def _score(evidence: list[dict]) -> Decimal:
    total = sum(
        Decimal(POINTS[item["rule"]]) * Decimal(str(item["similarity"]))
        for item in evidence
        if item["rule"] in POINTS
    )
    return min(Decimal(100), total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _ordering_score(*, name_similarity, domain_field: str, email_field: str, query: _Query):
    """The score as SQL, only to pick the top candidates; the exact score is computed in Python
    from the same similarity value."""
    points = name_similarity * Value(float(POINTS["name"]))
    if query.domain:
        points += Case(
            When(**{domain_field: query.domain}, then=Value(float(POINTS["domain"]))),
            default=Value(0.0),
        )
    if query.domains:
        cross = Q(**{f"{domain_field}__in": query.domains})
        if email_field:
            cross |= Q(**{f"{email_field}__in": query.domains})
        points += Case(When(cross, then=Value(float(POINTS["email_domain"]))), default=Value(0.0))
    return ExpressionWrapper(points, output_field=FloatField())


def _registration_candidates(query: _Query, exclude_id) -> list[ConflictCandidate]:
    match = Q()
    if query.name:
        match |= Q(customer_name_normalized__trigram_similar=query.name)
    if query.domains:
        match |= Q(customer_domain__in=query.domains) | Q(contact_email_domain__in=query.domains)
    similarity = TrigramSimilarity("customer_name_normalized", query.name)
    # The status list must appear literally, in the index's order, for PostgreSQL to use the
    # partial GIN and btree indexes on active registrations.
    rows = DealRegistration.objects.filter(status__in=list(DealRegistration.ACTIVE_STATUSES))
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    rows = (
        rows.filter(match)
        .annotate(name_similarity=similarity)
        .annotate(
            rank=_ordering_score(
                name_similarity=F("name_similarity"),
                domain_field="customer_domain",
                email_field="contact_email_domain",
                query=query,
            )
        )
        .only(*_REGISTRATION_COLUMNS)
        .order_by("-rank", "first_submitted_at", "pk")[:MAX_CANDIDATES]
    )
    found = []
    for row in rows:
        evidence = _evidence(
            query,
            name=row.customer_name_normalized,
            domain=row.customer_domain,
            email_domain=row.contact_email_domain,
            country=row.country,
            similarity=row.name_similarity,
        )
        if any(item["rule"] != "country" for item in evidence):
            found.append(ConflictCandidate(_score(evidence), evidence, registration=row))
    return found


_REGISTRATION_COLUMNS = (
    "partner_id",
    "customer_name",
    "customer_name_normalized",
    "customer_domain",
    "contact_email_domain",
    "country",
    "status",
    "first_submitted_at",
    "protected_until",
)


def _opportunity_candidates(query: _Query) -> list[ConflictCandidate]:
    match = Q()
    if query.name:
        match |= Q(account__normalized_name__trigram_similar=query.name)
    if query.domains:
        match |= Q(account__domain__in=query.domains)
    rows = (
        Opportunity.objects.filter(stage=Opportunity.Stage.OPEN)
        .filter(match)
        .select_related("account")
        .annotate(name_similarity=TrigramSimilarity("account__normalized_name", query.name))
        .annotate(
            rank=_ordering_score(
                name_similarity=F("name_similarity"),
                domain_field="account__domain",
                email_field="",
                query=query,
            )
        )
        .order_by("-rank", "created_at", "pk")[:MAX_CANDIDATES]
    )
    found = []
    for row in rows:
        evidence = _evidence(
            query,
            name=row.account.normalized_name,
            domain=row.account.domain,
            email_domain="",
            country=row.account.country,
            similarity=row.name_similarity,
        )
        if any(item["rule"] != "country" for item in evidence):
            found.append(ConflictCandidate(_score(evidence), evidence, opportunity=row))
    return found


def find_conflict_candidates(
    *,
    customer_name: str,
    customer_domain: str = "",
    contact_email: str = "",
    country: str = "",
    exclude_registration_id=None,
) -> list[ConflictCandidate]:
    """Active registrations (submitted, more information, approved) and open vendor
    opportunities that may concern the same end customer, best first, at most
    ``MAX_CANDIDATES``. Each candidate carries its score (see ``POINTS``) and evidence."""
    query = _Query(
        name=normalize_company_name(customer_name),
        domain=company_domain(customer_domain),
        email_domain=company_domain(contact_email) if "@" in (contact_email or "") else "",
        country=(country or "").strip().upper(),
    )
    if not query.name and not query.domains:
        return []
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        _set_similarity_threshold(connections[DEFAULT_DB_ALIAS], name_threshold())
        candidates = _registration_candidates(query, exclude_registration_id)
        candidates += _opportunity_candidates(query)
    candidates.sort(key=_candidate_order)
    return candidates[:MAX_CANDIDATES]


def _candidate_order(candidate: ConflictCandidate):
    registered = (
        candidate.registration.first_submitted_at
        if candidate.registration is not None
        else candidate.opportunity.created_at
    )
    return (-candidate.score, registered is None, registered or timezone.now())
