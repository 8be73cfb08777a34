"""Conflict detection: who else already claims this end customer?

- ``normalize``: company names and registrable domains, normalised one way everywhere;
- ``trigram``: pg_trgm similarity on PostgreSQL and the identical Python fallback on SQLite;
- ``detection``: ``find_conflict_candidates`` with scores and evidence;
- ``resolution``: ``record_conflicts``, ``protection_precheck``, ``resolve_conflict`` and the
  reviewer's reads.

The normalisation helpers are imported eagerly (they touch no models, so ``deals.models`` may use
them); the rest is loaded on first use.
"""

from importlib import import_module

from prm.names import (
    FREE_MAIL_DOMAINS,
    company_domain,
    normalize_company_name,
    registrable_domain,
)

_LAZY = {
    "trigram_similarity": "trigram",
    "PortableTrigramSimilar": "trigram",
    "ConflictCandidate": "detection",
    "POINTS": "detection",
    "STRONG_SCORE": "detection",
    "RECORD_MIN_SCORE": "detection",
    "MAX_CANDIDATES": "detection",
    "find_conflict_candidates": "detection",
    "name_threshold": "detection",
    "ConflictAlreadyResolved": "resolution",
    "ConflictResolutionError": "resolution",
    "FIRST_REGISTERED_RULE": "resolution",
    "PrecheckResult": "resolution",
    "RESOLUTIONS_FOR": "resolution",
    "can_resolve_conflict": "resolution",
    "conflicts_for_review": "resolution",
    "conflicts_visible_to": "resolution",
    "get_conflict_for_user": "resolution",
    "registrations_reviewable_by": "resolution",
    "first_registered": "resolution",
    "get_reviewable_registration": "resolution",
    "protection_precheck": "resolution",
    "record_conflicts": "resolution",
    "resolve_conflict": "resolution",
}

__all__ = [
    "FREE_MAIL_DOMAINS",
    "company_domain",
    "normalize_company_name",
    "registrable_domain",
    *_LAZY,
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
