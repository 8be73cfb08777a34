"""Reads of partner data, scoped by who is asking. Every view and API view reads through here.

Scope rules:
- program ops and administrators see every partner;
- a channel account manager sees the partners assigned to them;
- a partner user sees their own partner and, for a distributor, its resellers;
- anyone else sees nothing.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from prm.models import User

from .models import (
    Agreement,
    AgreementAcceptance,
    BusinessModel,
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
    # Cached on the user object for the rest of the request.
    setattr(user, "_partner_access", access)  # noqa: B010
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


def sees_every_partner(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_program_ops)


def partners_visible_to(user: User) -> QuerySet[Partner]:
    base = Partner.objects.select_related("tier", "channel_manager", "team", "parent_distributor")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    if sees_every_partner(user):
        return base
    if user.is_channel_manager:
        return base.filter(channel_manager=user)
    ids = partner_access(user).partner_ids
    return base.filter(pk__in=ids) if ids else base.none()


def partner_ids_visible_to(user: User) -> frozenset[int] | None:
    """The ids of ``partners_visible_to(user)``; None for someone who sees every partner. A
    channel account manager's are read once per request (cached on the user object, as
    ``partner_access`` is)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if sees_every_partner(user):
        return None
    if not user.is_channel_manager:
        return partner_access(user).partner_ids
    cached = getattr(user, "_assigned_partner_ids", None)
    if cached is None:
        cached = frozenset(
            Partner.objects.filter(channel_manager=user).values_list("pk", flat=True)
        )
        setattr(user, "_assigned_partner_ids", cached)  # noqa: B010
    return cached


def in_partner_scope(user: User, path: str = "partner") -> Q:
    """Rows whose partner (reached through ``path``, a relation every row has) ``user`` may see.

    For someone who sees every partner that is every row: no condition at all, rather than a
    subquery over the whole partner table, which PostgreSQL would plan on every request and
    probe row by row to count a page (and with no condition a list of the whole table is
    counted from the table's estimated size, ``prm.paging``). For everyone else it is the list of
    their partners' ids (``partner_id = ANY(array)``), not a subquery: with a subquery the
    planner merges the semi-join with the join to the partner a list shows, and picks plans
    that read every row of the scope before a date or text filter (0.3-1.5 s on the scale data
    set); with the ids it reads the (partner, created) index of each partner.
    """
    ids = partner_ids_visible_to(user)
    if ids is None:
        return Q()
    return Q(**{f"{path}__in": sorted(ids)})


def get_partner_for_user(user: User, pk) -> Partner:
    """The partner, or 404 when it is outside the user's scope (never 403: no existence leak)."""
    return get_object_or_404(partners_visible_to(user), pk=pk)


def can_administer_partner(user: User, partner: Partner) -> bool:
    """Partner admins manage their own org's users; ops manage everyone's."""
    return user.is_program_ops or partner.pk in partner_access(user).admin_of


def memberships_visible_to(user: User) -> QuerySet[PartnerMembership]:
    # API keys act through service-account members; people never see them as colleagues.
    return PartnerMembership.objects.select_related("user", "partner", "office").filter(
        partner__in=partners_visible_to(user).values("pk"), user__is_service_account=False
    )


def _open_invitations() -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def open_invitations_for(partner: Partner) -> QuerySet[Invitation]:
    return _open_invitations().filter(partner=partner).select_related("invited_by", "office")


def invitations_visible_to(user: User) -> QuerySet[Invitation]:
    """Open invitations: all for ops, the assigned partners' for a channel account manager,
    the own organisation's for a partner admin; partner reps see none."""
    invitations = _open_invitations().select_related("partner", "office", "invited_by")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return invitations.none()
    if user.is_program_ops:
        return invitations
    if user.is_channel_manager:
        return invitations.filter(partner__in=partners_visible_to(user).values("pk"))
    return invitations.filter(partner_id__in=partner_access(user).admin_of)


def tier_ladder() -> QuerySet[Tier]:
    """The tiers in rank order with their requirements, and nothing counted: what anyone
    signed in may read of the program (the API's tier list). Counting partners per tier joins
    every partner row, which the ladder does not show."""
    return Tier.objects.prefetch_related("requirements").order_by("rank")


def tiers_with_requirements() -> QuerySet[Tier]:
    return Tier.objects.prefetch_related("requirements").annotate(
        partner_count=Count("partners", filter=Q(partners__status=Partner.Status.ACTIVE))
    )


def next_tier(tier: Tier | None) -> Tier | None:
    tiers = Tier.objects.prefetch_related("requirements").order_by("rank")
    if tier is not None:
        tiers = tiers.filter(rank__gt=tier.rank)
    return tiers.first()


def belongs_to_another_partner(email: str, partner: Partner) -> bool:
    """Whether the address is a member of a partner other than ``partner`` (not terminated)."""
    return (
        PartnerMembership.objects.filter(user__email__iexact=email.strip())
        .exclude(partner=partner)
        .exclude(partner__status=Partner.Status.TERMINATED)
        .exists()
    )


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
    """The newest version already in effect; a version published for a later date waits."""
    return (
        Agreement.objects.filter(effective_at__lte=timezone.now()).order_by("-effective_at").first()
    )


def has_accepted_current_agreement(partner: Partner) -> bool:
    agreement = current_agreement()
    return (
        agreement is None
        or AgreementAcceptance.objects.filter(partner=partner, agreement=agreement).exists()
    )


def tier_history_for(partner: Partner) -> QuerySet[TierHistory]:
    return partner.tier_history.select_related("tier", "changed_by")


# --- Portal pages: lists, dashboards and review aids --------------------------------------------


def search_partners(
    user: User,
    *,
    status: str = "",
    business_model: str = "",
    tier: Tier | None = None,
    country: str = "",
    query: str = "",
) -> QuerySet[Partner]:
    """Partners in scope, narrowed by the list filters; each row carries ``member_count``."""
    partners = partners_visible_to(user)
    if status:
        partners = partners.filter(status=status)
    if business_model:
        partners = partners.filter(business_model=business_model)
    if tier is not None:
        partners = partners.filter(tier=tier)
    if country:
        partners = partners.filter(hq_country=country.upper())
    if query:
        partners = partners.filter(Q(display_name__matches=query) | Q(legal_name__matches=query))
    # A count per row rather than a join and GROUP BY over every partner's memberships: the
    # page reads its rows in index order and counts members for those rows only.
    members = (
        PartnerMembership.objects.filter(partner=OuterRef("pk"))
        .order_by()
        .values("partner")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return partners.annotate(member_count=Coalesce(Subquery(members), 0)).order_by(
        "display_name", "pk"
    )


@dataclass(frozen=True)
class Bar:
    """One bar of a server-rendered chart: a label, a count and its share of the largest bar."""

    key: str
    label: str
    count: int
    percent: int


def _bars(counts: dict[str, int], choices) -> list[Bar]:
    top = max(counts.values(), default=0) or 1
    return [
        Bar(value, str(label), counts.get(value, 0), round(100 * counts.get(value, 0) / top))
        for value, label in choices
    ]


def partner_counts_by_status(user: User) -> list[Bar]:
    rows = partners_visible_to(user).order_by().values_list("status").annotate(n=Count("pk"))
    return _bars(dict(rows), Partner.Status.choices)


def partner_counts_by_business_model(user: User) -> list[Bar]:
    rows = (
        partners_visible_to(user)
        .exclude(status=Partner.Status.TERMINATED)
        .order_by()
        .values_list("business_model")
        .annotate(n=Count("pk"))
    )
    return _bars(dict(rows), BusinessModel.choices)


def requirements_in_display_order(tier: Tier) -> list:
    """Certification criteria first: the program tiers on commitment before volume."""
    return sorted(
        tier.requirements.all(),
        key=lambda r: (not r.is_certification_metric, r.position, r.pk),
    )


def tiers_for_display() -> list[Tier]:
    """Every tier with ``partner_count`` (active partners) and ``requirement_list``
    attached."""
    tiers = list(tiers_with_requirements().order_by("rank"))
    for tier in tiers:
        # A display-only attribute for the template.
        tier.requirement_list = requirements_in_display_order(tier)  # type: ignore[attr-defined]
    return tiers


def team_of(partner: Partner) -> QuerySet[PartnerMembership]:
    return (
        partner.memberships.filter(user__is_service_account=False)
        .select_related("user", "office")
        .order_by("role", "user__full_name", "user__email")
    )


def memberships_of(user: User) -> QuerySet[PartnerMembership]:
    """The user's own memberships in live partners, admins first."""
    if not getattr(user, "is_authenticated", False):
        return PartnerMembership.objects.none()
    return (
        PartnerMembership.objects.select_related("partner", "partner__tier", "office")
        .filter(user=user)
        .exclude(partner__status=Partner.Status.TERMINATED)
        .order_by("role", "created_at", "pk")
    )


def channel_managers() -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, internal_role=User.InternalRole.CHANNEL_MANAGER
    ).order_by("full_name", "email")


def get_invitation_by_token(token: str) -> Invitation:
    """The invitation a link points at (open or not); 404 for an unknown token."""
    return get_object_or_404(
        Invitation.objects.select_related("partner", "office", "invited_by"), token=token
    )


def get_open_invitation(partner: Partner, pk) -> Invitation:
    return get_object_or_404(open_invitations_for(partner), pk=pk)


def get_membership(partner: Partner, pk) -> PartnerMembership:
    return get_object_or_404(partner.memberships.select_related("user", "partner"), pk=pk)


def account_for_email(email: str) -> User | None:
    """The existing account for an address, if any (an invitee may already have one)."""
    return User.objects.filter(email=email.strip().lower()).first()


def partner_requires_mfa(user: User) -> bool:
    """Whether an organisation the user belongs to requires two-factor authentication."""
    return (
        PartnerMembership.objects.filter(user=user, partner__require_mfa=True)
        .exclude(partner__status=Partner.Status.TERMINATED)
        .exists()
    )


def admins_of_partners(partner_ids) -> dict[int, list[User]]:
    """The active admins of each partner (people, not service accounts), in one query."""
    admins: dict[int, list[User]] = {}
    for membership in PartnerMembership.objects.filter(
        partner_id__in=list(partner_ids),
        role=PartnerMembership.Role.ADMIN,
        user__is_active=True,
        user__is_service_account=False,
    ).select_related("user"):
        admins.setdefault(membership.partner_id, []).append(membership.user)
    return admins


def partner_suggestions(user: User, text: str, limit: int = 20) -> QuerySet[Partner]:
    """Partners in the user's scope whose name matches the text (``prm.search``), for the
    partner filter."""
    text = text.strip()
    found = partners_visible_to(user)
    if text:
        found = found.filter(display_name__matches=text)
    return found.order_by("display_name", "pk")[:limit]
