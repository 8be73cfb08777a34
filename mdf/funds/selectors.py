"""Reads of funds and balances, scoped by who is asking, and the partner's eligibility.

Scope: program ops see every partner's funds; a channel account manager, those of the partners
assigned to them; a partner user, their own organisation's only (a distributor does not see its
resellers' funds: MDF is between the vendor and each partner). Lookups outside the scope 404.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from enablement.selectors import team_certifications
from partners.models import Partner
from partners.selectors import partner_access
from partners.tier_lapse import KIND_OF_METRIC
from partners.tier_progress import evaluate_requirement, requirements_of
from prm.models import User
from prm.money import default_currency

from ..ledger.selectors import FundBalance, fund_balances, totals
from ..models import Fund, LedgerEntry, MdfSettings

Kind = LedgerEntry.Kind


def mdf_partner_ids(user: User) -> frozenset[int] | None:
    """The partners whose MDF ``user`` may see: ``None`` means every partner (ops)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.is_program_ops:
        return None
    if user.is_channel_manager:
        return frozenset(Partner.objects.filter(channel_manager=user).values_list("pk", flat=True))
    return partner_access(user).member_of


def scope_q(user: User, field_name: str = "partner_id") -> Q:
    """A filter on ``field_name`` limiting rows to the partners ``user`` may see."""
    ids = mdf_partner_ids(user)
    if ids is None:
        return Q()
    return Q(**{f"{field_name}__in": list(ids)}) if ids else Q(pk__in=[])


def funds_visible_to(user: User) -> QuerySet[Fund]:
    return Fund.objects.select_related("partner").filter(scope_q(user))


def get_fund_for_user(user: User, pk) -> Fund:
    return get_object_or_404(funds_visible_to(user), pk=pk)


def mdf_partners_visible_to(user: User) -> QuerySet[Partner]:
    return Partner.objects.select_related("tier").filter(scope_q(user, "pk"))


def acts_for_partner(user: User | None, partner: Partner) -> bool:
    """The partner side of MDF: the partner's own users (admins and reps)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return partner.pk in partner_access(user).member_of


def can_decide_for(user: User | None, partner: Partner) -> bool:
    """MDF decisions belong to the partner's channel account manager, or to program ops."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_program_ops:
        return True
    return user.is_channel_manager and partner.channel_manager_id == user.pk


# --- Eligibility -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: list[str] = field(default_factory=list)


def _lapsed_kinds(partner: Partner, day: dt.date) -> set[str]:
    """Kinds of the partner's certifications that have expired (and were not renewed)."""
    rows = team_certifications(partner).filter(expires_on__lt=day)
    return set(rows.values_list("certification__kind", flat=True))


def eligibility(partner: Partner, *, as_of: dt.date | None = None) -> Eligibility:
    """Whether the partner may submit new requests, and if not, every reason why: it must be
    active, its tier must carry the MDF benefit (an accrual rate above zero), and its
    compliance must hold: a certification requirement of its tier that is no longer met
    because a certification feeding it has expired breaks it. (A requirement never met yet is
    the tier review's business, not a reason to stop marketing.)"""
    day = as_of or timezone.localdate()
    reasons = []
    if partner.status != Partner.Status.ACTIVE:
        reasons.append(
            _("%(partner)s is %(status)s; only active partners can request funds.")
            % {"partner": partner, "status": partner.get_status_display().lower()}
        )
    tier = partner.tier
    if tier is None or not tier.mdf_accrual_rate:
        reasons.append(
            _("Your tier (%(tier)s) does not include marketing development funds.")
            % {"tier": tier.name if tier else _("none")}
        )
        return Eligibility(False, reasons)
    lapsed: set[str] | None = None
    for requirement in requirements_of(tier):
        if not requirement.is_certification_metric:
            continue
        result = evaluate_requirement(partner, requirement, as_of=day)
        if not result.measured or result.met:
            continue
        lapsed = _lapsed_kinds(partner, day) if lapsed is None else lapsed
        kind = KIND_OF_METRIC.get(requirement.metric)
        if (kind in lapsed) if kind else bool(lapsed):
            reasons.append(
                _("Compliance: %(tier)s requires %(label)s and a certification has expired "
                  "(%(missing)s).")
                % {"tier": tier.name, "label": result.label.lower(),
                   "missing": "; ".join(result.missing)}
            )  # fmt: skip
    return Eligibility(not reasons, reasons)


# --- Balances --------------------------------------------------------------------------------


@dataclass
class PeriodBalance:
    fund: Fund
    balance: FundBalance
    expires_in_days: int | None  # None once expired
    expiring_soon: bool

    @property
    def period(self) -> str:
        return self.fund.period


@dataclass
class PartnerBalance:
    partner: Partner
    periods: list[PeriodBalance]
    total: FundBalance
    expiring_soon: Decimal
    next_expiry: dt.date | None
    # What can be requested today: the available money of the funds open today (a fund past
    # its last usable day keeps its balance until the nightly expiry moves or expires it).
    requestable: Decimal = Decimal(0)

    @property
    def currency(self) -> str:
        """The funds' currency: the program currency they are kept in (before any fund too)."""
        return self.periods[0].fund.currency if self.periods else default_currency()


def partner_balance(partner: Partner, *, today: dt.date | None = None) -> PartnerBalance:
    """The partner's funds by period, newest first, with what expires when. Two queries."""
    today = today or timezone.localdate()
    soon = MdfSettings.current().expiring_soon_days
    funds = list(Fund.objects.filter(partner=partner).order_by("-starts_on"))
    balances = fund_balances([fund.pk for fund in funds])
    rows = []
    for fund in funds:
        balance = balances[fund.pk]
        days = (fund.expires_on - today).days
        live = days >= 0
        rows.append(
            PeriodBalance(
                fund=fund,
                balance=balance,
                expires_in_days=days if live else None,
                expiring_soon=live and days <= soon and balance.available > 0,
            )
        )
    upcoming = [row for row in rows if row.expires_in_days is not None and row.balance.available]
    return PartnerBalance(
        partner=partner,
        periods=rows,
        total=totals(row.balance for row in rows),
        expiring_soon=sum((row.balance.available for row in rows if row.expiring_soon), Decimal(0)),
        next_expiry=min((row.fund.expires_on for row in upcoming), default=None),
        requestable=sum(
            (
                row.balance.available
                for row in rows
                if row.expires_in_days is not None and row.fund.starts_on <= today
            ),
            Decimal(0),
        ),
    )


def open_funds_of(partner: Partner, *, on: dt.date) -> QuerySet[Fund]:
    """Funds that can still be reserved from on ``on``, the one expiring first first."""
    return Fund.objects.filter(partner=partner, starts_on__lte=on, expires_on__gte=on).order_by(
        "expires_on", "pk"
    )


def partner_admins(partner: Partner) -> list[User]:
    """Who hears about the partner's funds: its admins."""
    return list(
        User.objects.filter(
            is_active=True,
            is_service_account=False,
            memberships__partner=partner,
            memberships__role="admin",
        )
    )


def program_ops() -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            is_service_account=False,
            internal_role__in=[User.InternalRole.PROGRAM_OPS, User.InternalRole.ADMIN],
        )
    )


BALANCE_FIELDS = (
    "credited", "accrued", "allocated", "available", "committed", "paid", "expired",
    "carried_out",
)  # fmt: skip


def with_balances(funds: list[Fund]) -> list[Fund]:
    """The funds (one page of a list), each given its balances from the ledger as attributes
    (``BALANCE_FIELDS``): one query for the page, after it is chosen, instead of summing the
    ledger of every fund in scope to sort and cut a page."""
    balances = fund_balances(fund.pk for fund in funds)
    for fund in funds:
        balance = balances[fund.pk]
        for name in BALANCE_FIELDS:
            setattr(fund, name, getattr(balance, name))
    return funds
