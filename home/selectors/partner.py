"""The home pages of partner users (rep, partner admin) and distributor admins: their open
work, invitations, tier standing, money and resellers. A partner user never sees another
partner's rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from deals.commissions.selectors import Owed, owed_to_partner
from deals.leads.selectors import leads_visible_to
from deals.models import DealProgramSettings, DealRegistration, Lead
from deals.selectors import deals_visible_to
from enablement.models import PersonCertification
from enablement.selectors import held_by_members, person_certifications_visible_to
from mdf.funds.selectors import PartnerBalance, partner_balance
from partners.models import Invitation, Partner
from partners.selectors import open_invitations_for, partner_access, partners_visible_to
from prm.models import User
from scorecards.review.selectors import TierOutlook, tier_outlook

Status = DealRegistration.Status
OPEN_DEAL_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.MORE_INFO, Status.APPROVED)
# Certifications that lapse within this many days are shown as "expiring" on the home page.
CERTIFICATION_HORIZON_DAYS = 60
LIST_LIMIT = 10


@dataclass
class PartnerHome:
    deals_needing_action: list[DealRegistration]
    open_deal_count: int
    leads_waiting: list[Lead]
    certifications_expiring: list[PersonCertification]
    certifications_until: dt.date | None = None  # the horizon of ``certifications_expiring``
    organisation: bool = False  # the whole organisation's work (an admin), not one person's
    invitations: list[Invitation] = field(default_factory=list)
    outlook: TierOutlook | None = None
    owed: list[Owed] = field(default_factory=list)  # commissions, per currency
    mdf: PartnerBalance | None = None


def deals_needing_action(
    deals: QuerySet[DealRegistration], *, now: dt.datetime
) -> QuerySet[DealRegistration]:
    """Open registrations waiting for the partner: more information requested, or approved with
    protection ending within the program's reminder window (the template tells them apart by
    status)."""
    reminder = dt.timedelta(days=DealProgramSettings.current().expiry_reminder_days)
    more_info = Q(status=Status.MORE_INFO)
    expiring = Q(status=Status.APPROVED, protected_until__lte=now + reminder)
    return deals.filter(more_info | expiring).order_by("status", "protected_until", "pk")


def partner_home(user: User, *, organisation: bool, now: dt.datetime | None = None) -> PartnerHome:
    """A rep's own registrations (``organisation=False``) or the whole partner's (admins)."""
    now = now or timezone.now()
    access = partner_access(user)
    deals = deals_visible_to(user).filter(
        partner_id__in=access.member_of, status__in=OPEN_DEAL_STATUSES
    )
    if not organisation:
        deals = deals.filter(registered_by=user)
    until = now.date() + dt.timedelta(days=CERTIFICATION_HORIZON_DAYS)
    # The organisation's own people: a distributor's admin sees its resellers' certifications
    # on their lists, not as its own work.
    certifications = held_by_members(
        person_certifications_visible_to(user).filter(
            partner_id__in=access.member_of,
            status__in=PersonCertification.CURRENT,
            expires_on__lte=until,
        )
    )
    if not organisation:
        certifications = certifications.filter(user=user)
    leads = leads_visible_to(user).filter(
        partner_id__in=access.member_of, status=Lead.Status.OFFERED, accept_by__gt=now
    )
    return PartnerHome(
        deals_needing_action=list(deals_needing_action(deals, now=now)[:LIST_LIMIT]),
        open_deal_count=deals.count(),
        leads_waiting=list(leads.order_by("accept_by", "pk")[:LIST_LIMIT]),
        certifications_expiring=list(certifications.order_by("expires_on", "pk")[:LIST_LIMIT]),
        certifications_until=until,
        organisation=organisation,
    )


def partner_admin_home(user: User, partner: Partner, *, now: dt.datetime | None = None):
    """The organisation's work, pending invitations, tier standing and money (commissions owed,
    marketing funds available) for a partner admin."""
    now = now or timezone.now()
    home = partner_home(user, organisation=True, now=now)
    home.invitations = list(open_invitations_for(partner)[:LIST_LIMIT])
    today = timezone.localdate(now)
    home.outlook = tier_outlook(partner, today=today)
    home.owed = owed_to_partner(partner, today=today)
    home.mdf = partner_balance(partner, today=today)
    return home


def resellers_overview(user: User, *, now: dt.datetime | None = None) -> QuerySet[Partner]:
    """The distributor admin's resellers, each with ``open_deals``, ``pipeline_deals`` (approved,
    protected), ``more_info`` (waiting for the reseller) and ``leads_waiting``: one query."""
    now = now or timezone.now()
    access = partner_access(user)
    return (
        partners_visible_to(user)
        .filter(parent_distributor_id__in=access.distributor_of)
        .annotate(
            open_deals=Count(
                "deal_registrations",
                filter=Q(deal_registrations__status__in=OPEN_DEAL_STATUSES),
                distinct=True,
            ),
            pipeline_deals=Count(
                "deal_registrations",
                filter=Q(deal_registrations__status=Status.APPROVED),
                distinct=True,
            ),
            more_info=Count(
                "deal_registrations",
                filter=Q(deal_registrations__status=Status.MORE_INFO),
                distinct=True,
            ),
            leads_waiting=Count(
                "leads",
                filter=Q(leads__status=Lead.Status.OFFERED, leads__accept_by__gt=now),
                distinct=True,
            ),
        )
        .order_by("display_name", "pk")
    )


def resellers_with_pipeline(user: User, *, now: dt.datetime | None = None) -> list[Partner]:
    """``resellers_overview`` with ``pipeline`` on each reseller: [(currency, amount), ...] of
    its approved (protected) registrations, each currency summed on its own. Two queries."""
    resellers = list(resellers_overview(user, now=now))
    rows = (
        deals_visible_to(user)
        .filter(partner__in=[r.pk for r in resellers], status=Status.APPROVED)
        .order_by()
        .values_list("partner_id", "currency")
        .annotate(total=Sum("estimated_amount"))
        .order_by("partner_id", "currency")
    )
    pipeline: dict[int, list[tuple[str, Decimal]]] = {}
    for partner_id, currency, total in rows:
        pipeline.setdefault(partner_id, []).append((currency, total))
    for reseller in resellers:
        reseller.pipeline = pipeline.get(reseller.pk, [])  # type: ignore[attr-defined]
    return resellers
