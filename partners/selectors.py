"""Reads of partner data, scoped by who is asking. Every view and API view reads through here.

Scope rules:
- program ops and administrators see every partner;
- a channel account manager sees the partners assigned to them;
- a partner user sees their own partner and, for a distributor, its resellers;
- anyone else sees nothing.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from prm.models import User

from .models import (
    Agreement,
    AgreementAcceptance,
    Application,
    Invitation,
    Partner,
    PartnerMembership,
    Qualification,
    Tier,
    TierHistory,
)


@dataclass(frozen=True)
class PartnerAccess:
    """What one user may reach on the partner side, computed once per request."""

    member_of: frozenset[int] = field(default_factory=frozenset)
    admin_of: frozenset[int] = field(default_factory=frozenset)
    distributor_of: frozenset[int] = field(default_factory=frozenset)
    reseller_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def partner_ids(self) -> frozenset[int]:
        return self.member_of | self.reseller_ids

    @property
    def is_partner_user(self) -> bool:
        return bool(self.member_of)


def partner_access(user: User) -> PartnerAccess:
    if not getattr(user, "is_authenticated", False):
        return PartnerAccess()
    cached = getattr(user, "_partner_access", None)
    if cached is not None:
        return cached
    rows = list(
        PartnerMembership.objects.filter(user=user).values_list(
            "partner_id", "role", "partner__business_model", "partner__status"
        )
    )
    live = [r for r in rows if r[3] != Partner.Status.TERMINATED]
    member_of = frozenset(r[0] for r in live)
    admin_of = frozenset(r[0] for r in live if r[1] == PartnerMembership.Role.ADMIN)
    distributor_of = frozenset(r[0] for r in live if r[2] == "distributor")
    reseller_ids = (
        frozenset(
            Partner.objects.filter(parent_distributor_id__in=distributor_of).values_list(
                "pk", flat=True
            )
        )
        if distributor_of
        else frozenset()
    )
    access = PartnerAccess(member_of, admin_of, distributor_of, reseller_ids)
    user._partner_access = access
    return access


def primary_membership(user: User) -> PartnerMembership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        PartnerMembership.objects.select_related("partner", "partner__tier", "office")
        .filter(user=user)
        .exclude(partner__status=Partner.Status.TERMINATED)
        .order_by("-role", "created_at")  # "rep" > "admin": admins first when reversed
        .first()
    )


def partners_visible_to(user: User) -> QuerySet[Partner]:
    base = Partner.objects.select_related("tier", "channel_manager", "team", "parent_distributor")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    if user.is_program_ops:
        return base
    if user.is_channel_manager:
        return base.filter(channel_manager=user)
    ids = partner_access(user).partner_ids
    return base.filter(pk__in=ids) if ids else base.none()


def get_partner_for_user(user: User, pk) -> Partner:
    """The partner, or 404 when it is outside the user's scope (never 403: no existence leak)."""
    return get_object_or_404(partners_visible_to(user), pk=pk)


def can_administer_partner(user: User, partner: Partner) -> bool:
    """Partner admins manage their own org's users; ops manage everyone's."""
    return user.is_program_ops or partner.pk in partner_access(user).admin_of


def memberships_visible_to(user: User) -> QuerySet[PartnerMembership]:
    return PartnerMembership.objects.select_related("user", "partner", "office").filter(
        partner__in=partners_visible_to(user).values("pk")
    )


def open_invitations_for(partner: Partner) -> QuerySet[Invitation]:
    return partner.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by", "office")


def tiers_with_requirements() -> QuerySet[Tier]:
    return Tier.objects.prefetch_related("requirements").annotate(
        partner_count=Count("partners", filter=Q(partners__status=Partner.Status.ACTIVE))
    )


def next_tier(tier: Tier | None) -> Tier | None:
    tiers = Tier.objects.prefetch_related("requirements").order_by("rank")
    if tier is not None:
        tiers = tiers.filter(rank__gt=tier.rank)
    return tiers.first()


def applications_visible_to(user: User) -> QuerySet[Application]:
    """Ops see every application; a channel account manager, the unassigned ones and their own."""
    base = Application.objects.select_related("partner", "partner__channel_manager", "decided_by")
    if not getattr(user, "is_authenticated", False):
        return base.none()
    if user.is_program_ops:
        return base
    if user.is_channel_manager:
        return base.filter(
            Q(partner__channel_manager=user) | Q(partner__channel_manager__isnull=True)
        )
    return base.none()


def get_application_for_user(user: User, pk) -> Application:
    return get_object_or_404(applications_visible_to(user), pk=pk)


def latest_qualification(partner: Partner) -> Qualification | None:
    return partner.qualifications.select_related("assessed_by").first()


def focus_list(user: User, *, limit: int | None = None) -> QuerySet[Partner]:
    """Partners in scope, strongest latest Scale × Skill × Will first; unassessed partners last."""
    latest = Qualification.objects.filter(partner=OuterRef("pk")).order_by("-assessed_at", "-id")
    partners = (
        partners_visible_to(user)
        .exclude(status=Partner.Status.TERMINATED)
        .annotate(
            q_scale=Subquery(latest.values("scale")[:1]),
            q_skill=Subquery(latest.values("skill")[:1]),
            q_will=Subquery(latest.values("will")[:1]),
            q_willing=Subquery(latest.values("willingness_to_engage")[:1]),
            q_assessed_at=Subquery(latest.values("assessed_at")[:1]),
        )
    )
    partners = partners.annotate(focus_score=F("q_scale") * F("q_skill") * F("q_will")).order_by(
        F("focus_score").desc(nulls_last=True), F("q_willing").desc(nulls_last=True), "display_name"
    )
    return partners[:limit] if limit else partners


def current_agreement() -> Agreement | None:
    return Agreement.objects.order_by("-effective_at").first()


def has_accepted_current_agreement(partner: Partner) -> bool:
    agreement = current_agreement()
    return (
        agreement is None
        or AgreementAcceptance.objects.filter(partner=partner, agreement=agreement).exists()
    )


def tier_history_for(partner: Partner) -> QuerySet[TierHistory]:
    return partner.tier_history.select_related("tier", "changed_by")
