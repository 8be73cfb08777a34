"""Likely duplicate applications, shown to the reviewer (never to the applicant, never blocking).

An application is a likely duplicate when its company name (display or legal, normalised as for
deal conflicts: "ACME Corp." and "Acme" are the same) or its website's registrable domain
matches an existing partner or another open application. Declined applications do not count.

The comparison loads one light row per partner into an index, which a list of applications
builds once; the program has thousands of partners, not millions, so this stays fast without
storing normalised copies of every name.
"""

from collections import defaultdict
from dataclasses import dataclass

from prm.names import normalize_company_name, registrable_domain

from .models import Application, Partner


@dataclass(frozen=True)
class LikelyDuplicate:
    partner_id: int
    display_name: str
    status: str
    application_id: int | None
    matched_on: str  # "name" or "website"


@dataclass(frozen=True)
class _Row:
    partner_id: int
    display_name: str
    status: str
    application_id: int | None


class DuplicateIndex:
    """Every partner and open application by normalised name and by website domain."""

    def __init__(self) -> None:
        self.by_name: dict[str, list[_Row]] = defaultdict(list)
        self.by_domain: dict[str, list[_Row]] = defaultdict(list)

    @classmethod
    def build(cls) -> "DuplicateIndex":
        index = cls()
        rows = Partner.objects.exclude(application__status=Application.Status.DECLINED).values_list(
            "pk", "display_name", "legal_name", "website", "status", "application__pk"
        )
        for pk, display_name, legal_name, website, status, application_pk in rows:
            row = _Row(pk, display_name, status, application_pk)
            for key in _name_keys(display_name, legal_name):
                index.by_name[key].append(row)
            domain = registrable_domain(website)
            if domain:
                index.by_domain[domain].append(row)
        return index

    def for_partner(self, partner: Partner) -> list[LikelyDuplicate]:
        found: dict[int, LikelyDuplicate] = {}
        domain = registrable_domain(partner.website)
        matches = [
            *((row, "name") for key in _name_keys(partner.display_name, partner.legal_name)
              for row in self.by_name.get(key, ())),
            *((row, "website") for row in (self.by_domain.get(domain, ()) if domain else ())),
        ]  # fmt: skip
        for row, matched_on in matches:
            if row.partner_id != partner.pk and row.partner_id not in found:
                found[row.partner_id] = LikelyDuplicate(
                    row.partner_id, row.display_name, row.status, row.application_id, matched_on
                )
        return sorted(found.values(), key=lambda d: d.partner_id)


def _name_keys(*names: str) -> set[str]:
    return {key for key in (normalize_company_name(name) for name in names) if key}


def likely_duplicates(application: Application) -> list[LikelyDuplicate]:
    """Partners and open applications that ``application`` may copy."""
    return DuplicateIndex.build().for_partner(application.partner)
