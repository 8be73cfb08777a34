"""Scoring a would-be registration against active registrations and open vendor opportunities."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Case, ExpressionWrapper, F, FloatField, Q, Value, When
from django.utils import timezone

from prm.names import company_domain, normalize_company_name

from ..models import DealRegistration, Opportunity
from .trigram import set_similarity_threshold

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


def candidate_query(
    *, customer_name: str, customer_domain: str = "", contact_email: str = "", country: str = ""
) -> _Query:
    """What a would-be registration is compared on: its normalised name, domains and country."""
    return _Query(
        name=normalize_company_name(customer_name),
        domain=company_domain(customer_domain),
        email_domain=company_domain(contact_email) if "@" in (contact_email or "") else "",
        country=(country or "").strip().upper(),
    )


def _evidence(
    query: _Query, *, name: str, domain: str, email_domain: str, country: str, similarity: float
) -> list[dict]:
    found = []
    if query.domain and query.domain == domain:
        found.append({"rule": "domain", "value": domain, "similarity": 1.0})
    # The contact's domain against theirs, or either email domain against a website domain.
    pairs: tuple[tuple[str, str], ...] = (
        (query.email_domain, email_domain),
        (query.email_domain, domain),
    )
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
        (
            Decimal(POINTS[item["rule"]]) * Decimal(str(item["similarity"]))
            for item in evidence
            if item["rule"] in POINTS
        ),
        Decimal(0),
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


def ordering_rank(query: _Query, *, name_similarity: float, domain: str, email_domain: str):
    """``_ordering_score`` computed in Python, term by term in the same order (so the same
    double), for checks of many registrations at once (``batch``)."""
    points = name_similarity * float(POINTS["name"])
    if query.domain:
        points += float(POINTS["domain"]) if domain == query.domain else 0.0
    if query.domains:
        cross = domain in query.domains or (email_domain and email_domain in query.domains)
        points += float(POINTS["email_domain"]) if cross else 0.0
    return points


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
    query = candidate_query(
        customer_name=customer_name,
        customer_domain=customer_domain,
        contact_email=contact_email,
        country=country,
    )
    if not query.name and not query.domains:
        return []
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        set_similarity_threshold(connections[DEFAULT_DB_ALIAS], name_threshold())
        candidates = _registration_candidates(query, exclude_registration_id)
        candidates += _opportunity_candidates(query)
    candidates.sort(key=_candidate_order)
    return candidates[:MAX_CANDIDATES]


def _candidate_order(candidate: ConflictCandidate):
    if candidate.registration is not None:
        registered = candidate.registration.first_submitted_at
    else:
        # A candidate is an earlier registration or else an opportunity.
        assert candidate.opportunity is not None
        registered = candidate.opportunity.created_at
    return (-candidate.score, registered is None, registered or timezone.now())
