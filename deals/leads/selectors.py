"""Reads of leads: who may act on a lead, routing candidates, scoped lists and offer history,
and a partner's acceptance record.

Both sides always see the lead's status: the partner through its inbox and offer history, the
vendor through the lead list and each lead's offer history.
"""

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeGuard

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from partners.models import BusinessModel, Office, Partner
from partners.selectors import partner_access, partners_visible_to
from prm.models import User

from ..models import Lead, LeadOffer, LeadRoutingRule

Outcome = LeadOffer.Outcome


# --- Who may do what -------------------------------------------------------------------------


def acts_for(user: User | None, partner: Partner | None) -> bool:
    """The partner's own users, and the admins of its distributor (two-tier)."""
    if partner is None or not _active(user):
        return False
    access = partner_access(user)
    if partner.pk in access.member_of:
        return True
    return partner.parent_distributor_id in (access.distributor_of & access.admin_of)


def can_manage_lead(user: User | None, lead: Lead) -> bool:
    """Ops manage every lead; a channel account manager the leads of their partners and the
    leads they created."""
    if not _active(user) or not user.is_internal:
        return False
    if user.is_program_ops:
        return True
    return user.is_channel_manager and (
        lead.created_by_id == user.pk
        or (lead.partner is not None and lead.partner.channel_manager_id == user.pk)
    )


def can_offer_to(user: User | None, partner: Partner) -> bool:
    if not _active(user):
        return False
    return user.is_program_ops or (
        user.is_channel_manager and partner.channel_manager_id == user.pk
    )


def _active(user: User | None) -> TypeGuard[User]:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def declined_partner_ids(lead: Lead) -> list[int]:
    """Partners that rejected this lead or let it lapse: it is never offered to them again."""
    return sorted(
        set(
            lead.offers.filter(outcome__in=[Outcome.REJECTED, Outcome.RECALLED]).values_list(
                "partner_id", flat=True
            )
        )
    )


def rule_applies(rule: LeadRoutingRule, lead: Lead) -> bool:
    """A rule's location and specialty criteria are about the lead; empty ones match all. A
    specialty rule takes only the leads that need it, as their specialty or their industry
    ("healthcare" takes a lead of the healthcare industry): a lead needing no specialty goes to
    the general rules, not to the specialists."""
    if rule.countries and lead.country not in {c.upper() for c in rule.countries}:
        return False
    if rule.regions and lead.region not in {r.upper() for r in rule.regions}:
        return False
    if rule.specialty:
        needs = {value.casefold() for value in (lead.specialty, lead.industry) if value}
        return rule.specialty.casefold() in needs
    return True


def matching_partners(rule: LeadRoutingRule, lead: Lead, *, exclude=()) -> list[Partner]:
    """Active partners meeting the rule's business model, tier and specialty criteria that serve
    the lead's country (headquarters or an office there) or region. A rule without business
    models leaves distributors out. A rule with target partners only considers those."""
    partners = Partner.objects.filter(status=Partner.Status.ACTIVE).exclude(pk__in=list(exclude))
    if rule.pk is not None and rule.partners.exists():
        # Target partners narrow the rule; the other criteria still apply to them.
        partners = partners.filter(pk__in=rule.partners.values("pk"))
    if rule.business_models:
        partners = partners.filter(business_model__in=rule.business_models)
    else:
        # Distributors sell through their resellers; they get leads only when a rule names them.
        partners = partners.exclude(business_model=BusinessModel.DISTRIBUTOR)
    if rule.min_tier_rank is not None:
        partners = partners.filter(tier__rank__gte=rule.min_tier_rank)
    with_office = set(
        Office.objects.filter(partner__in=partners, country=lead.country).values_list(
            "partner_id", flat=True
        )
    )
    specialty = rule.specialty.casefold()
    found = []
    for partner in partners.only(
        "id", "hq_country", "regions_served", "solution_stack", "target_sectors"
    ).order_by("pk"):
        serves = (
            partner.hq_country == lead.country
            or partner.pk in with_office
            or (lead.region and lead.region in (partner.regions_served or []))
        )
        skills = {str(s).casefold() for s in [*partner.solution_stack, *partner.target_sectors]}
        if serves and (not specialty or specialty in skills):
            found.append(partner)
    return found


def best_partner(partners: list[Partner]) -> Partner | None:
    """The best acceptance record first, then the fewest open offers, then the oldest partner.
    The rate is smoothed ((accepted + 1) / (answered + 2)) so a partner with no history starts
    at one half instead of zero or one."""
    if not partners:
        return None
    rows = (
        LeadOffer.objects.filter(partner__in=[p.pk for p in partners])
        .values("partner_id")
        .annotate(
            accepted=Count("pk", filter=Q(outcome=Outcome.ACCEPTED)),
            answered=Count("pk", filter=~Q(outcome=Outcome.PENDING)),
            open=Count("pk", filter=Q(outcome=Outcome.PENDING)),
        )
    )
    history = {row["partner_id"]: row for row in rows}

    def rank(partner: Partner):
        row = history.get(partner.pk, {"accepted": 0, "answered": 0, "open": 0})
        rate = Decimal(row["accepted"] + 1) / Decimal(row["answered"] + 2)
        return (-rate, row["open"], partner.pk)

    return min(partners, key=rank)


@dataclass(frozen=True)
class RuleTrial:
    """How one routing rule treats a lead: whether it applies, who it matches, who it picks."""

    rule: LeadRoutingRule
    applies: bool
    candidates: list[Partner]
    chosen: Partner | None


def route_trials(lead: Lead, *, exclude=(), rules=None) -> list[RuleTrial]:
    """Every active rule in routing order (lowest priority number first) tried on ``lead``.
    ``route_lead`` offers the lead to the ``chosen`` partner of the first trial that has one;
    the routing tester shows them all. ``rules`` replaces the stored rules (a rule being
    edited, not saved yet)."""
    if rules is None:
        rules = LeadRoutingRule.objects.filter(is_active=True).order_by("priority", "pk")
    trials = []
    for rule in rules:
        if not rule_applies(rule, lead):
            trials.append(RuleTrial(rule, applies=False, candidates=[], chosen=None))
            continue
        candidates = matching_partners(rule, lead, exclude=exclude)
        trials.append(RuleTrial(rule, True, candidates, best_partner(candidates)))
    return trials


def first_route(trials: list[RuleTrial]) -> RuleTrial | None:
    """The trial that routes the lead: the first with a chosen partner."""
    return next((trial for trial in trials if trial.chosen is not None), None)


# --- The current offer--- ----------------------------------------------------------------------


def current_offer(lead: Lead) -> LeadOffer | None:
    if lead.partner_id is None:
        return None
    return (
        lead.offers.filter(partner_id=lead.partner_id, outcome=Outcome.PENDING)
        .order_by("-offered_at", "-pk")
        .first()
    )


# --- Recipients --------------------------------------------------------------------------------


def partner_recipients(partner: Partner | None) -> list[User]:
    """The partner's admins and reps."""
    if partner is None:
        return []
    return list(User.objects.filter(is_active=True, memberships__partner=partner).distinct())


def vendor_recipients(lead: Lead, *, partner: Partner | None = None) -> list[User]:
    """The channel account manager of the partner concerned and whoever created the lead."""
    partner = partner or lead.partner
    people = [partner.channel_manager if partner else None, lead.created_by]
    return [p for p in people if p is not None and p.is_active]


# --- Scoped lists ------------------------------------------------------------------------------


def leads_visible_to(user: User) -> QuerySet[Lead]:
    """Partners see the leads currently offered to them (or that they hold); a channel account
    manager the leads of their partners and the ones they created; ops every lead."""
    base = Lead.objects.select_related("partner", "created_by", "routing_rule")
    if not _active(user):
        return base.none()
    if user.is_program_ops:
        return base
    visible = Q(partner__in=partners_visible_to(user).values("pk"))
    if user.is_channel_manager:
        visible |= Q(created_by=user)
    return base.filter(visible)


def get_lead_for_user(user: User, pk) -> Lead:
    return get_object_or_404(leads_visible_to(user), pk=pk)


def offerable_partners(user: User, lead: Lead | None = None) -> QuerySet[Partner]:
    """The partners ``user`` may offer a lead to by hand (``can_offer_to``): active ones, every
    one for ops, a channel account manager's own; for ``lead``, not those that already
    rejected it or let it lapse."""
    partners = partners_visible_to(user).filter(status=Partner.Status.ACTIVE)
    if not getattr(user, "is_program_ops", False):
        partners = partners.filter(channel_manager=user)
    if lead is not None:
        partners = partners.exclude(pk__in=declined_partner_ids(lead))
    return partners.order_by("display_name", "pk")


def offers_visible_to(user: User) -> QuerySet[LeadOffer]:
    """The offer history a user may see: ops all, others the offers to partners in scope."""
    base = LeadOffer.objects.select_related("lead", "partner")
    if not _active(user):
        return base.none()
    if user.is_program_ops:
        return base
    return base.filter(partner__in=partners_visible_to(user).values("pk"))


def offer_history(user: User, lead: Lead) -> QuerySet[LeadOffer]:
    return offers_visible_to(user).filter(lead=lead).order_by("-offered_at", "-pk")


@dataclass(frozen=True)
class LeadStats:
    offered: int
    accepted: int
    rejected: int
    recalled: int
    pending: int
    acceptance_rate: Decimal | None  # accepted / answered (accepted, rejected or recalled)
    median_time_to_accept: dt.timedelta | None


def lead_stats(partner: Partner, *, since: dt.datetime | None = None) -> LeadStats:
    """A partner's lead record from its offers: how many it accepted and how fast."""
    offers = LeadOffer.objects.filter(partner=partner)
    if since is not None:
        offers = offers.filter(offered_at__gte=since)
    counts = {row["outcome"]: row["n"] for row in offers.values("outcome").annotate(n=Count("pk"))}
    accepted = counts.get(Outcome.ACCEPTED, 0)
    answered = accepted + counts.get(Outcome.REJECTED, 0) + counts.get(Outcome.RECALLED, 0)
    rate = (
        (Decimal(accepted) / Decimal(answered)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        if answered
        else None
    )
    durations = [
        (responded - offered).total_seconds()
        for offered, responded in offers.filter(
            outcome=Outcome.ACCEPTED, responded_at__isnull=False
        ).values_list("offered_at", "responded_at")
        if responded is not None
    ]
    median = dt.timedelta(seconds=statistics.median(durations)) if durations else None
    return LeadStats(
        offered=sum(counts.values()),
        accepted=accepted,
        rejected=counts.get(Outcome.REJECTED, 0),
        recalled=counts.get(Outcome.RECALLED, 0),
        pending=counts.get(Outcome.PENDING, 0),
        acceptance_rate=rate,
        median_time_to_accept=median,
    )
