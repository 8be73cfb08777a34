"""Conflict detection: who else already claims this end customer?

- ``normalize``: company names and registrable domains, normalised one way everywhere;
- ``trigram``: pg_trgm similarity on PostgreSQL and the identical Python fallback on SQLite;
- ``detection``: ``find_conflict_candidates`` with scores and evidence;
- ``batch``: the same check for many new registrations at once (``record_new_conflicts``);
- ``services``: ``record_conflicts`` on submission and the reviewer's ``resolve_conflict``;
- ``selectors``: the partner's ``protection_precheck`` and the reviewer's scoped reads;
- ``models``: ``DealConflict``, the recorded clash (re-exported by ``deals.models``).

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
    "ConflictAlreadyResolved": "services",
    "ConflictResolutionError": "services",
    "FIRST_REGISTERED_RULE": "services",
    "PrecheckResult": "selectors",
    "RESOLUTIONS_FOR": "selectors",
    "can_resolve_conflict": "selectors",
    "conflicts_for_review": "selectors",
    "conflicts_visible_to": "selectors",
    "get_conflict_for_user": "selectors",
    "registrations_reviewable_by": "selectors",
    "first_registered": "selectors",
    "later_registered": "selectors",
    "get_reviewable_registration": "selectors",
    "protection_precheck": "selectors",
    "record_conflicts": "services",
    "candidates_for_new": "batch",
    "record_new_conflicts": "batch",
    "resolve_conflict": "services",
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
