"""Conflict checks for many new registrations at once: a chunk of an import.

``find_conflict_candidates`` asks the database once per registration. Here a few queries serve
the whole chunk: for each kind of counterpart (active registrations, open vendor
opportunities), one query finds every row that matches a registration of the chunk, by name
(pg_trgm's ``%``, each name looked up in the trigram index) or by domain, with the database's
own similarity of the row's name to the names it is compared with; another loads those rows.
The per-registration selection then happens in Python with the same rules: the same match, the
same ranking and limit, the same evidence and scores (``detection``). The registrations of the
chunk are checked as if each had been submitted on its own, in order: each sees the ones before
it, not itself nor the ones after it.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.postgres.search import TrigramSimilarity
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from ..models import DealConflict, DealRegistration, Opportunity
from .detection import (
    _REGISTRATION_COLUMNS,
    MAX_CANDIDATES,
    RECORD_MIN_SCORE,
    ConflictCandidate,
    _candidate_order,
    _evidence,
    _Query,
    _score,
    candidate_query,
    name_threshold,
    ordering_rank,
)
from .trigram import _as_real, set_similarity_threshold


@dataclass(frozen=True)
class _Match:
    """One fetched row and what the query needs of it, whatever its kind."""

    row: DealRegistration | Opportunity
    name: str  # the row's normalised name
    similarities: dict[str, float]  # normalised name of the chunk -> similarity to the row
    domain: str
    email_domain: str
    country: str
    registered: object  # the tie-break after the rank (first submitted / created)


def candidates_for_new(registrations: Sequence[DealRegistration]) -> list[list[ConflictCandidate]]:
    """For each saved registration of ``registrations`` (in the order they were created), the
    candidates ``find_conflict_candidates`` gives it when it is checked right after its own
    creation: the registrations after it in the list are not seen, itself neither."""
    queries = [
        candidate_query(
            customer_name=r.customer_name,
            customer_domain=r.customer_domain,
            contact_email=r.contact_email,
            country=r.country,
        )
        for r in registrations
    ]
    searched = [q for q in queries if q.name or q.domains]
    if not searched:
        return [[] for _ in registrations]
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        connection = connections[DEFAULT_DB_ALIAS]
        set_similarity_threshold(connection, name_threshold())
        registration_rows = _registration_matches(searched)
        opportunity_rows = _opportunity_matches(searched)
    # The database ranks with the similarity as it computes it: pg_trgm's single-precision
    # value on PostgreSQL, the value the SQLite function returns there.
    exact_rank = connection.vendor == "postgresql"
    position = {r.pk: index for index, r in enumerate(registrations)}
    registration_pool = _Pool(registration_rows)
    opportunity_pool = _Pool(opportunity_rows)
    found: list[list[ConflictCandidate]] = []
    for index, query in enumerate(queries):
        if not query.name and not query.domains:
            found.append([])
            continue
        # Rows outside the chunk (position -1) are seen by all; a row of the chunk only by the
        # registrations created after it.
        visible = [
            m for m in registration_pool.matching(query) if position.get(m.row.pk, -1) < index
        ]
        candidates = _select(query, visible, exact_rank)
        candidates += _select(query, opportunity_pool.matching(query), exact_rank)
        candidates.sort(key=_candidate_order)
        found.append(candidates[:MAX_CANDIDATES])
    return found


class _Pool:
    """Fetched rows of one kind, looked up by similar name and by domain, so that each
    registration of the chunk only looks at the rows it may match."""

    def __init__(self, matches: list[_Match]):
        threshold = name_threshold()
        self.by_name: dict[str, list[_Match]] = defaultdict(list)
        self.by_domain: dict[str, list[_Match]] = defaultdict(list)
        for match in matches:
            for name, similarity in match.similarities.items():
                if _as_real(similarity) >= threshold:
                    self.by_name[name].append(match)
            for domain in {match.domain, match.email_domain} - {""}:
                self.by_domain[domain].append(match)

    def matching(self, query: _Query) -> list[_Match]:
        found = {id(m): m for m in self.by_name.get(query.name, []) if query.name}
        for domain in query.domains:
            found.update((id(m), m) for m in self.by_domain.get(domain, []))
        return list(found.values())


def _similarities(
    base: QuerySet, name_field: str, domain_fields: list[str], queries: list[_Query]
) -> dict[int, dict[str, float]]:
    """The rows of ``base`` that match one of ``queries`` (a name similar by pg_trgm's ``%``,
    or a domain in one of ``domain_fields``), each with the database's similarity of its name
    to the names of the queries it matches: {row id: {normalised name: similarity}}."""
    names = sorted({q.name for q in queries if q.name})
    pairs = sorted({(q.name, d) for q in queries for d in q.domains})
    connection = connections[base.db]
    if connection.vendor == "postgresql":
        return _similarities_by_lookup(base, name_field, domain_fields, names, pairs)
    # SQLite compares every row anyway: one query for the matching rows, one for the
    # similarities of each to every name.
    match = Q()
    for name in names:
        match |= Q(**{f"{name_field}__trigram_similar": name})
    for field in domain_fields:
        match |= Q(**{f"{field}__in": sorted({d for _, d in pairs})})
    ids = list(base.filter(match).values_list("pk", flat=True))
    columns = {f"similarity_{i}": TrigramSimilarity(name_field, n) for i, n in enumerate(names)}
    rows = base.filter(pk__in=ids).annotate(**columns).values_list("pk", *columns)
    return {pk: dict(zip(names, values, strict=True)) for pk, *values in rows}


def _similarities_by_lookup(base, name_field, domain_fields, names, pairs):
    # One OR of many names is planned as a scan of every row computing every similarity. The
    # lateral joins look each name up in the trigram index, each domain in its index; OFFSET 0
    # keeps the lookups per name (the planner may otherwise scan the rows once and compare
    # every pair).
    def lateral(rows: QuerySet, outer: str) -> tuple[str, tuple]:
        chunk_name = RawSQL("chunk.name", ())
        similarity = TrigramSimilarity(name_field, chunk_name)  # type: ignore[arg-type]
        rows = rows.annotate(similarity=similarity)
        sql, params = rows.order_by().values("pk", "similarity").query.sql_with_params()
        # ``sql`` is the ORM's compiled query; every value is a bound parameter.
        return (
            f"SELECT chunk.name, m.pk, m.similarity FROM {outer} "  # noqa: S608
            f"CROSS JOIN LATERAL ({sql} OFFSET 0) m",
            params,
        )

    by_name, params = lateral(
        base.filter(**{f"{name_field}__trigram_similar": RawSQL("chunk.name", ())}),
        "unnest(%s::text[]) AS chunk(name)",
    )
    statements, values = [by_name], [[list(names)], params]
    if pairs:
        same_domain = Q()
        for field in domain_fields:
            same_domain |= Q(**{field: RawSQL("chunk.domain", ())})
        by_domain, params = lateral(
            base.filter(same_domain), "unnest(%s::text[], %s::text[]) AS chunk(name, domain)"
        )
        statements.append(by_domain)
        values += [[[n for n, _ in pairs], [d for _, d in pairs]], params]
    found: dict[int, dict[str, float]] = defaultdict(dict)
    with connections[base.db].cursor() as cursor:
        cursor.execute(" UNION ".join(statements), [v for group in values for v in group])
        for name, pk, similarity in cursor.fetchall():
            found[pk][name] = similarity
    return found


def _registration_matches(queries: list[_Query]) -> list[_Match]:
    active = DealRegistration.objects.filter(status__in=list(DealRegistration.ACTIVE_STATUSES))
    found = _similarities(
        active, "customer_name_normalized", ["customer_domain", "contact_email_domain"], queries
    )
    rows = DealRegistration.objects.filter(pk__in=sorted(found)).only(*_REGISTRATION_COLUMNS)
    return (
        [
            _Match(
                row=row,
                name=row.customer_name_normalized,
                similarities=found[row.pk],
                domain=row.customer_domain,
                email_domain=row.contact_email_domain,
                country=row.country,
                registered=row.first_submitted_at,
            )
            for row in rows.order_by("pk")
        ]
        if found
        else []
    )


def _opportunity_matches(queries: list[_Query]) -> list[_Match]:
    open_ = Opportunity.objects.filter(stage=Opportunity.Stage.OPEN)
    found = _similarities(open_, "account__normalized_name", ["account__domain"], queries)
    rows = Opportunity.objects.filter(pk__in=sorted(found)).select_related("account")
    return (
        [
            _Match(
                row=row,
                name=row.account.normalized_name,
                similarities=found[row.pk],
                domain=row.account.domain,
                email_domain="",
                country=row.account.country,
                registered=row.created_at,
            )
            for row in rows.order_by("pk")
        ]
        if found
        else []
    )


def _select(query: _Query, matches: list[_Match], exact_rank: bool) -> list[ConflictCandidate]:
    """``detection``'s per-registration query over the fetched rows: those matching ``query``,
    the best ``MAX_CANDIDATES`` by rank, then those with evidence beyond the country."""
    threshold = name_threshold()
    ranked = []
    for match in matches:
        similarity = match.similarities.get(query.name, 0.0) if query.name else 0.0
        by_name = bool(query.name) and _as_real(similarity) >= threshold
        by_domain = bool(query.domains) and (
            match.domain in query.domains
            or (bool(match.email_domain) and match.email_domain in query.domains)
        )
        if not (by_name or by_domain):
            continue
        rank = ordering_rank(
            query,
            name_similarity=_as_real(similarity) if exact_rank else similarity,
            domain=match.domain,
            email_domain=match.email_domain,
        )
        ranked.append((rank, match, similarity))
    ranked.sort(key=lambda item: (-item[0], _later_if_none(item[1].registered), item[1].row.pk))
    found = []
    for _rank, match, similarity in ranked[:MAX_CANDIDATES]:
        evidence = _evidence(
            query,
            name=match.name,
            domain=match.domain,
            email_domain=match.email_domain,
            country=match.country,
            similarity=similarity,
        )
        if any(item["rule"] != "country" for item in evidence):
            score, row = _score(evidence), match.row
            if isinstance(row, DealRegistration):
                found.append(ConflictCandidate(score, evidence, registration=row))
            else:
                found.append(ConflictCandidate(score, evidence, opportunity=row))
    return found


def _later_if_none(moment):
    # PostgreSQL sorts a missing time after every other in ascending order.
    return (moment is None, moment or timezone.now())


def record_new_conflicts(
    registrations: Sequence[DealRegistration],
) -> list[list[DealConflict]]:
    """Record the candidate conflicts of newly submitted ``registrations`` (saved, in creation
    order) in one insert: the rows ``record_conflicts`` writes for each of them when they are
    submitted one after another. Returns each registration's new conflicts."""
    from .services import conflict_evidence, count_new_conflicts

    rows: list[list[DealConflict]] = []
    for registration, candidates in zip(
        registrations, candidates_for_new(registrations), strict=True
    ):
        rows.append(
            [
                DealConflict(
                    registration=registration,
                    existing_registration=candidate.registration,
                    existing_opportunity=candidate.opportunity,
                    score=candidate.score,
                    evidence=conflict_evidence(registration, candidate),
                )
                for candidate in candidates
                if candidate.score >= RECORD_MIN_SCORE
            ]
        )
    DealConflict.objects.bulk_create([row for group in rows for row in group], batch_size=1000)
    count_new_conflicts(
        {registration: len(group) for registration, group in zip(registrations, rows, strict=True)}
    )
    return rows
