"""Which rule pays a deal, and how much.

Precedence (documented once, here): among the rules of the plan versions in force on the deal's
close date whose kind is the partner's compensation preference and whose selectors all match,
the rule with the most selectors set wins (business model, tier, engagement, sourcing, product
line: most specific first); on equal specificity the higher ``priority``, then the older rule
(lower id). Everything here works on rows loaded once (``RuleBook``), so a calculation over many
deals issues no query per deal.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from partners.models import PartnerTerms, TierHistory
from prm.money import quantize

from .models import CommissionOverride, CommissionPlanVersion, CommissionRule

HUNDRED = Decimal(100)
PERIODS_PER_YEAR = 4  # commissions are calculated per fiscal quarter


@dataclass(frozen=True)
class DealFacts:
    """What rule matching needs to know about a deal (or a deal being registered)."""

    partner_id: int
    business_model: str
    compensation: str
    tier_id: int | None
    engagement: str
    sourcing: str
    product_lines: tuple[str, ...]
    closed_on: dt.date
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Earning:
    rule: CommissionRule
    version_id: int
    base: Decimal  # the amount the rate applies to, per period for residual commissions
    rate: Decimal | None  # effective percentage before the multiplier (None for flat fees)
    multiplier: Decimal
    amount: Decimal  # per period for residual commissions
    currency: str


def _matches(rule: CommissionRule, facts: DealFacts) -> bool:
    return (
        rule.kind == facts.compensation
        and (not rule.business_model or rule.business_model == facts.business_model)
        and (rule.tier_id is None or rule.tier_id == facts.tier_id)
        and (not rule.engagement or rule.engagement == facts.engagement)
        and (not rule.sourcing or rule.sourcing == facts.sourcing)
        and (not rule.product_line or rule.product_line in facts.product_lines)
    )


def precedence_key(rule: CommissionRule) -> tuple:
    return (-rule.specificity, -rule.priority, rule.pk)


class RuleBook:
    """Every plan version and rule, loaded in two queries."""

    def __init__(self, versions, rules):
        self.versions = list(versions)
        self._candidates: dict[dt.date, list[CommissionRule]] = {}
        self._winners: dict[tuple, CommissionRule | None] = {}
        self.rules_by_version: dict[int, list[CommissionRule]] = defaultdict(list)
        for rule in sorted(rules, key=precedence_key):
            self.rules_by_version[rule.version_id].append(rule)

    @classmethod
    def load(cls) -> "RuleBook":
        return cls(
            CommissionPlanVersion.objects.all(),
            CommissionRule.objects.select_related("version", "tier"),
        )

    def candidates(self, on: dt.date) -> list[CommissionRule]:
        if on not in self._candidates:
            rules = [
                rule
                for version in self.versions
                if version.in_force_on(on)
                for rule in self.rules_by_version[version.pk]
            ]
            self._candidates[on] = sorted(rules, key=precedence_key)
        return self._candidates[on]

    def winning_rule(self, facts: DealFacts) -> CommissionRule | None:
        # Deals alike in everything a rule selects on share the answer (a run asks 10^5 times).
        key = (facts.closed_on, facts.business_model, facts.compensation, facts.tier_id,
               facts.engagement, facts.sourcing, facts.product_lines)  # fmt: skip
        if key not in self._winners:
            self._winners[key] = next(
                (rule for rule in self.candidates(facts.closed_on) if _matches(rule, facts)), None
            )
        return self._winners[key]


def earning(
    rule: CommissionRule,
    facts: DealFacts,
    *,
    multiplier: Decimal,
    override: CommissionOverride | None = None,
) -> Earning:
    """What ``rule`` pays for the deal: per period for residual commissions (the closed amount
    is annual recurring revenue, paid a quarter at a time), once otherwise. The tier's
    multiplier applies to the rate or fee; an approved override replaces the rule's."""
    rate, flat = rule.rate, rule.amount
    if override is not None and override.status == CommissionOverride.Status.APPROVED:
        rate = override.rate if override.rate is not None else rate
        flat = override.amount if override.amount is not None else flat
    if rule.is_flat:
        currency = rule.currency
        amount = quantize(flat * multiplier, currency)
        return Earning(rule, rule.version_id, Decimal(0), None, multiplier, amount, currency)
    base = facts.amount
    if rule.kind == CommissionRule.Kind.RESIDUAL_COMMISSION:
        base = facts.amount / PERIODS_PER_YEAR
    amount = quantize(base * rate * multiplier / HUNDRED, facts.currency)
    return Earning(
        rule,
        rule.version_id,
        quantize(base, facts.currency),
        rate,
        multiplier,
        amount,
        facts.currency,
    )


class TermsBook:
    """The business model and compensation preference each partner's deal closed under: the
    earlier terms (``PartnerTerms``) for a deal closed before they changed, else today's."""

    def __init__(self, current: dict[int, tuple[str, str]]):
        self.current = current
        self.earlier: dict[int, list[tuple]] = defaultdict(list)
        rows = (
            PartnerTerms.objects.filter(partner_id__in=list(current))
            .order_by("effective_to", "id")
            .values_list("partner_id", "effective_to", "business_model", "compensation_preference")
        )
        for partner_id, until, business_model, compensation in rows:
            self.earlier[partner_id].append((until, business_model, compensation))

    def terms_on(self, partner_id: int, day: dt.date | None) -> tuple[str, str]:
        if day is not None:
            for until, business_model, compensation in self.earlier.get(partner_id, ()):
                if day < until:
                    return business_model, compensation
        return self.current[partner_id]


class TierBook:
    """The tier in force for each partner on a day, from the effective-dated tier history;
    the partner's current tier when the history has nothing for that day."""

    def __init__(self, partner_ids, current: dict[int, int | None]):
        self.current = current
        self.history: dict[int, list[tuple]] = defaultdict(list)
        rows = TierHistory.objects.filter(partner_id__in=list(partner_ids)).values_list(
            "partner_id", "effective_from", "effective_to", "tier_id"
        )
        for partner_id, start, end, tier_id in rows:
            self.history[partner_id].append((start, end, tier_id))

    def tier_on(self, partner_id: int, day: dt.date) -> int | None:
        for start, end, tier_id in self.history.get(partner_id, ()):
            if start <= day and (end is None or day <= end):
                return tier_id
        return self.current.get(partner_id)
