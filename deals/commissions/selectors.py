"""Reads of the commission engine, scoped by who is asking.

Scope: program ops see every partner's lines, statements and payouts; a channel account manager
those of the partners assigned to them; a partner user only their own partner's (not even a
distributor sees what its resellers are owed). Lookups outside the scope answer 404. Plans,
rules and spiffs are the program's published terms: every signed-in user may read them.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, Min, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from partners.models import Partner
from partners.selectors import partner_access
from prm.models import User

from .models import (
    CommissionLine,
    CommissionOverride,
    CommissionPlan,
    CommissionPlanVersion,
    CommissionRule,
    CommissionRun,
    Payout,
    Spiff,
    Statement,
)
from .rules import DealFacts, RuleBook, TierBook, earning
from .statements import StatementTotals, statement_payouts, statement_totals

__all__ = [
    "Balance", "DealCommission", "StatementTotals", "balances_of", "commission_partner_ids",
    "commission_partners", "commission_preview", "deal_commission", "floor_for_deal",
    "focus_partner", "held_lines", "line_periods", "preview_registration",
    "get_line_for_user", "get_payout_for_user", "get_statement_for_user", "lines_visible_to",
    "owed_to_partner", "payouts_visible_to", "period_line_totals", "plan_version_diff", "plans",
    "runs",
    "spiffs", "statement_payouts", "statement_totals", "statements_visible_to",
]  # fmt: skip


def commission_partner_ids(user: User) -> frozenset[int] | None:
    """Partner ids whose commissions ``user`` may see; None means every partner (ops)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.is_program_ops:
        return None
    if user.is_channel_manager:
        return frozenset(Partner.objects.filter(channel_manager=user).values_list("pk", flat=True))
    return partner_access(user).member_of


def _scoped(queryset: QuerySet, user: User) -> QuerySet:
    ids = commission_partner_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(partner_id__in=ids) if ids else queryset.none()


def lines_visible_to(
    user: User, *, period: str | None = None, status: str | None = None
) -> QuerySet[CommissionLine]:
    lines = CommissionLine.objects.select_related(
        "partner", "deal", "rule", "plan_version__plan", "spiff"
    )
    if period:
        lines = lines.filter(period=period)
    if status:
        lines = lines.filter(status=status)
    return _scoped(lines, user).order_by("-period", "deal_id", "id")


def statements_visible_to(
    user: User, *, period: str | None = None, status: str | None = None
) -> QuerySet[Statement]:
    # The page's partners and approvers are read after the page: joined, they made every
    # statement a wide row in the sort by partner name (110 ms over 115,000 statements).
    statements = Statement.objects.prefetch_related("partner", "approved_by")
    if period:
        statements = statements.filter(period=period)
    if status:
        statements = statements.filter(status=status)
    return _scoped(statements, user).order_by("-period", "partner__display_name", "currency")


def period_line_totals(statements: list[Statement]) -> dict[int, Decimal]:
    """The sum of each statement's own period lines (reversed lines count nowhere), for a page
    of statements in one grouped query."""
    if not statements:
        return {}
    rows = (
        CommissionLine.objects.filter(
            partner_id__in={s.partner_id for s in statements},
            period__in={s.period for s in statements},
        )
        .exclude(status=CommissionLine.Status.REVERSED)
        .values_list("partner_id", "currency", "period")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    sums = {(p, c, period): total for p, c, period, total in rows}
    return {s.pk: sums.get((s.partner_id, s.currency, s.period), Decimal(0)) for s in statements}


def payouts_visible_to(user: User, *, period: str | None = None) -> QuerySet[Payout]:
    payouts = Payout.objects.select_related("partner", "statement", "recorded_by")
    if period:
        payouts = payouts.filter(statement__period=period)
    return _scoped(payouts, user)


def _get(queryset: QuerySet, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_line_for_user(user: User, pk) -> CommissionLine:
    return _get(lines_visible_to(user), pk)


def get_statement_for_user(user: User, pk) -> Statement:
    return _get(statements_visible_to(user), pk)


def get_payout_for_user(user: User, pk) -> Payout:
    return _get(payouts_visible_to(user), pk)


def statement_of_line(line: CommissionLine) -> Statement | None:
    """The statement the line appears on (its partner, period and currency), once opened."""
    return Statement.objects.filter(
        partner_id=line.partner_id, period=line.period, currency=line.currency
    ).first()


def earlier_drafts(statement: Statement) -> QuerySet[Statement]:
    """The partner's draft statements in the statement's currency from before its period, which
    approving it approves too (``statements.approve_together``)."""
    return Statement.objects.filter(
        partner_id=statement.partner_id,
        currency=statement.currency,
        period__lt=statement.period,
        status=Statement.Status.DRAFT,
    ).order_by("period")


def statement_lines(statement: Statement) -> QuerySet[CommissionLine]:
    """Every line of the statement, each traceable to its deal, rule and plan version."""
    return (
        CommissionLine.objects.filter(
            partner_id=statement.partner_id, currency=statement.currency, period=statement.period
        )
        .select_related("deal", "rule", "plan_version__plan", "spiff")
        .order_by("deal_id", "id")
    )


def plans() -> QuerySet[CommissionPlan]:
    return CommissionPlan.objects.prefetch_related("versions__rules__tier")


def spiffs() -> QuerySet[Spiff]:
    return Spiff.objects.all()


def runs(user: User) -> QuerySet[CommissionRun]:
    if not getattr(user, "is_program_ops", False):
        return CommissionRun.objects.none()
    return CommissionRun.objects.select_related("requested_by")


@dataclass(frozen=True)
class Owed:
    currency: str
    payable: Decimal  # approved, not paid
    held: Decimal
    pending: Decimal
    next_payable_on: dt.date | None


def owed_to_partner(partner: Partner, *, today: dt.date | None = None) -> list[Owed]:
    """What the partner is owed right now, per currency, and when the next held line becomes
    payable. One grouped query."""
    S = CommissionLine.Status
    rows = (
        CommissionLine.objects.filter(partner=partner, status__in=[S.PENDING, S.HELD, S.APPROVED])
        .values("currency")
        .annotate(
            payable=Sum("amount", filter=Q(status=S.APPROVED)),
            held=Sum("amount", filter=Q(status=S.HELD)),
            pending=Sum("amount", filter=Q(status=S.PENDING)),
        )
        .order_by("currency")
    )
    next_dates = dict(
        CommissionLine.objects.filter(
            partner=partner,
            status__in=[S.PENDING, S.HELD],
            hold_until__gt=today or timezone.localdate(),
        )
        .values_list("currency")
        .annotate(first=Min("hold_until"))
        .order_by()
    )
    zero = Decimal(0)
    return [
        Owed(
            r["currency"],
            r["payable"] or zero,
            r["held"] or zero,
            r["pending"] or zero,
            next_dates.get(r["currency"]),
        )  # fmt: skip
        for r in rows
    ]


def floor_for_deal(deal) -> CommissionRule | None:
    """The rule that would pay ``deal`` (its floor protects the partner)."""
    return _winning(deal, deal.engagement)


def _facts(deal, engagement: str, book_day: dt.date) -> DealFacts:
    partner = deal.partner
    tiers = TierBook([partner.pk], {partner.pk: partner.tier_id})
    return DealFacts(
        partner_id=partner.pk, business_model=partner.business_model,
        compensation=partner.compensation_preference,
        tier_id=tiers.tier_on(partner.pk, book_day), engagement=engagement,
        sourcing=deal.sourcing, product_lines=tuple(deal.product_lines or ()),
        closed_on=book_day, amount=deal.closed_amount or deal.estimated_amount,
        currency=deal.currency,
    )  # fmt: skip


def _winning(deal, engagement: str):
    day = deal.closed_on or timezone.localdate()
    return RuleBook.load().winning_rule(_facts(deal, engagement, day))


@dataclass(frozen=True)
class Preview:
    engagement: str
    rule: CommissionRule | None
    amount: Decimal | None  # per period for residual commissions
    currency: str
    periods: int


def commission_preview(deal) -> list[Preview]:
    """What ``deal`` (saved or not: partner, amount, currency, sourcing, product lines) would
    earn under the plan in force today, partner-led versus vendor-assisted."""
    from partners.models import Tier

    book, today = RuleBook.load(), timezone.localdate()
    previews = []
    for engagement in (CommissionRule.Engagement.PARTNER_LED,
                       CommissionRule.Engagement.VENDOR_ASSISTED):  # fmt: skip
        facts = _facts(deal, engagement, today)
        rule = book.winning_rule(facts)
        if rule is None or facts.amount is None:
            previews.append(Preview(engagement, rule, None, facts.currency, 1))
            continue
        multiplier = (
            Tier.objects.filter(pk=facts.tier_id).values_list("commission_multiplier", flat=True)
            .first() or Decimal(1)
        ) if facts.tier_id is not None else Decimal(1)  # fmt: skip
        paid = earning(rule, facts, multiplier=multiplier)
        periods = rule.periods if rule.kind == CommissionRule.Kind.RESIDUAL_COMMISSION else 1
        previews.append(Preview(engagement, rule, paid.amount, paid.currency, periods))
    return previews


def pending_overrides() -> QuerySet[CommissionOverride]:
    return CommissionOverride.objects.filter(
        status=CommissionOverride.Status.PENDING
    ).select_related("deal__partner", "rule", "requested_by")


def overrides_visible_to(user: User) -> QuerySet[CommissionOverride]:
    """Those who may set an override see them (``deals.selectors.can_decide``): program ops
    every one, a channel account manager those on their partners' deals, nobody else any."""
    base = CommissionOverride.objects.select_related("deal__partner", "rule", "requested_by")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    if user.is_program_ops:
        return base
    if user.is_channel_manager:
        return base.filter(deal__partner__channel_manager=user)
    return base.none()


RULE_DIFF_FIELDS = (
    "business_model", "tier_id", "engagement", "sourcing", "product_line", "kind", "rate",
    "amount", "currency", "periods", "floor_rate", "floor_amount", "priority",
)  # fmt: skip


def plan_version_diff(old: CommissionPlanVersion, new: CommissionPlanVersion) -> dict[str, list]:
    """Rules added, removed and changed between two versions, matched by name."""
    before = {rule.name: rule for rule in old.rules.all()}
    after = {rule.name: rule for rule in new.rules.all()}
    changed = []
    for name in sorted(set(before) & set(after)):
        fields = {
            f: (getattr(before[name], f), getattr(after[name], f))
            for f in RULE_DIFF_FIELDS
            if getattr(before[name], f) != getattr(after[name], f)
        }
        if fields:
            changed.append({"rule": name, "fields": fields})
    return {
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "changed": changed,
    }


# --- The partner's side of the portal: balances, deal panel, registration preview ----------------


def commission_partners(
    user: User, *, with_statements: bool = False, including: object = None
) -> QuerySet[Partner]:
    """Partners whose commissions ``user`` may see, by name (ops: every partner); only those
    with a statement when ``with_statements`` (the choices of a filter), and the partner of id
    ``including`` too (the one a filter asks for: a partner's pages link to its lists before it
    has a statement). Never one outside the user's scope."""
    ids = commission_partner_ids(user)
    partners = Partner.objects.order_by("display_name", "pk")
    if with_statements:
        shown = Q(Exists(Statement.objects.filter(partner=OuterRef("pk"))))
        if str(including or "").isdigit():
            shown |= Q(pk=int(str(including)))
        partners = partners.filter(shown)
    if ids is None:
        return partners
    return partners.filter(pk__in=ids) if ids else partners.none()


def focus_partner(user: User, partner_id=None) -> Partner | None:
    """The partner a commissions page is about: the one asked for (404 outside the scope), else
    the user's own partner when they belong to exactly one; None for a program-wide view."""
    partners = commission_partners(user)
    if partner_id not in (None, ""):
        return _get(partners, partner_id)
    ids = commission_partner_ids(user)
    if ids is not None and len(ids) == 1 and not getattr(user, "is_internal", False):
        return partners.first()
    return None


@dataclass(frozen=True)
class Balance:
    """Where a partner stands in one currency: every line not reversed, less every payout."""

    currency: str
    payable: Decimal  # approved, not paid
    held: Decimal
    pending: Decimal
    next_payable_on: dt.date | None
    earned: Decimal  # every line other than clawbacks, not reversed
    clawed_back: Decimal  # negative
    paid_out: Decimal
    balance: Decimal
    clawbacks: tuple[CommissionLine, ...]  # the unpaid clawbacks, when the balance is negative

    @property
    def negative(self) -> bool:
        return self.balance < 0


def balances_of(partner: Partner, *, today: dt.date | None = None) -> list[Balance]:
    """Per currency: what is owed now (``owed_to_partner``), what was earned, clawed back and
    paid out, and the balance; a negative balance carries the clawback lines that explain it."""
    from prm.money import quantize

    S, K = CommissionLine.Status, CommissionLine.Kind
    owed = {o.currency: o for o in owed_to_partner(partner, today=today)}
    lines = (
        CommissionLine.objects.filter(partner=partner)
        .exclude(status=S.REVERSED)
        .values("currency")
        .annotate(
            earned=Sum("amount", filter=~Q(kind=K.CLAWBACK)),
            clawed_back=Sum("amount", filter=Q(kind=K.CLAWBACK)),
        )
        .order_by("currency")
    )
    totals = {row["currency"]: row for row in lines}
    paid = dict(
        Payout.objects.filter(partner=partner)
        .values_list("currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    zero = Decimal(0)
    result = []
    for currency in sorted(set(totals) | set(paid) | set(owed)):
        row = totals.get(currency, {})
        earned = quantize(row.get("earned") or zero, currency)
        clawed = quantize(row.get("clawed_back") or zero, currency)
        paid_out = quantize(paid.get(currency) or zero, currency)
        balance = earned + clawed - paid_out
        clawbacks: tuple[CommissionLine, ...] = ()
        if balance < 0:
            clawbacks = tuple(
                CommissionLine.objects.filter(
                    partner=partner, currency=currency, kind=K.CLAWBACK,
                    status__in=[S.PENDING, S.HELD, S.APPROVED],
                ).select_related("deal", "rule").order_by("period", "id")
            )  # fmt: skip
        now = owed.get(currency) or Owed(currency, zero, zero, zero, None)
        result.append(
            Balance(
                currency=currency,
                payable=quantize(now.payable, currency),
                held=quantize(now.held, currency),
                pending=quantize(now.pending, currency),
                next_payable_on=now.next_payable_on,
                earned=earned,
                clawed_back=clawed,
                paid_out=paid_out,
                balance=balance,
                clawbacks=clawbacks,
            )  # fmt: skip
        )
    return result


def held_lines(partner: Partner, *, limit: int = 50) -> QuerySet[CommissionLine]:
    """Lines waiting for their hold to end, soonest payable first."""
    S = CommissionLine.Status
    return (
        CommissionLine.objects.filter(partner=partner, status__in=[S.PENDING, S.HELD])
        .select_related("deal", "rule", "plan_version__plan")
        .order_by("hold_until", "id")[:limit]
    )


def line_periods(user: User) -> list[str]:
    """The periods with lines the user may see, newest first (for filters)."""
    return list(
        _scoped(CommissionLine.objects.all(), user)
        .values_list("period", flat=True)
        .distinct()
        .order_by("-period")
    )


@dataclass(frozen=True)
class DealCommission:
    rule: CommissionRule | None  # the rule that pays the deal; its floor protects the partner
    lines: list[CommissionLine]


def deal_commission(user: User, deal) -> DealCommission:
    """The floor protecting ``deal``'s partner and the deal's lines the user may see."""
    lines = list(lines_visible_to(user).filter(deal=deal).order_by("period", "id"))
    return DealCommission(floor_for_deal(deal), lines)


@dataclass(frozen=True)
class ProspectiveDeal:
    """What ``commission_preview`` reads of a deal, from a registration form not yet saved."""

    partner: Partner
    estimated_amount: Decimal | None
    currency: str
    sourcing: str
    product_lines: tuple[str, ...]
    closed_amount: Decimal | None = None
    closed_on: dt.date | None = None


def preview_registration(
    partner: Partner, *, amount, currency: str, sourcing: str, product_lines: str
) -> list[Preview]:
    """What a registration being typed would earn, partner-led versus vendor-assisted. Unusable
    values (no amount yet, an unknown currency or sourcing) preview nothing rather than fail."""
    from deals.models import DealRegistration
    from prm.money import CURRENCY_CHOICES, InvalidAmount, parse_amount

    try:
        value = parse_amount(amount, required=False)
    except InvalidAmount:
        value = None
    if currency not in dict(CURRENCY_CHOICES) or sourcing not in DealRegistration.Sourcing.values:
        return []
    lines = tuple(p.strip() for p in (product_lines or "").split(",") if p.strip())
    deal = ProspectiveDeal(partner, value, currency, sourcing, lines)
    return commission_preview(deal)
