"""Reads for the content library: who sees which asset, search, usage counts and a partner's
branding.
"""

import base64
from collections.abc import Iterable
from dataclasses import dataclass

import filetype
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from partners.models import Partner, PartnerMembership
from partners.selectors import partner_access, primary_membership
from prm.models import User

from ..models import Asset, AssetUsage

MAX_LOGO_BYTES = 2 * 1024 * 1024
LOGO_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


# --- Visibility -------------------------------------------------------------------------------


def business_model_q(field: str, kinds: Iterable[str]) -> Q:
    """Rows whose JSON list ``field`` is empty (meaning everyone) or names one of ``kinds``.

    The lists hold business-model codes, each serialised with its quotes, so a text match on
    ``"msp"`` cannot match ``"mssp"``. It works the same on SQLite and PostgreSQL, where JSON
    containment is not available on both.
    """
    q = Q(**{field: []})
    for kind in kinds:
        q |= Q(**{f"{field}__icontains": f'"{kind}"'})
    return q


def assets_visible_to(user: User) -> QuerySet[Asset]:
    """Ops and channel managers see every asset; partner users the published assets meant for
    their tier and business model (an empty restriction means everyone)."""
    assets = Asset.objects.select_related("created_by")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return assets.none()
    if user.is_internal:
        return assets
    member_of = partner_access(user).member_of
    if not member_of:
        return assets.none()
    partners = list(
        Partner.objects.filter(pk__in=member_of).values_list("tier_id", "business_model")
    )
    tier_ids = {tier_id for tier_id, _kind in partners if tier_id is not None}
    kinds = {kind for _tier, kind in partners}
    restrictions = Asset.visible_to_tiers.through.objects.filter(asset_id=OuterRef("pk"))
    return assets.filter(
        ~Exists(restrictions) | Exists(restrictions.filter(tier_id__in=tier_ids)),
        business_model_q("business_models", kinds),
        published=True,
    )


def get_asset_for_user(user: User, pk) -> Asset:
    return get_object_or_404(assets_visible_to(user), pk=pk)


def search_assets(user: User, *, kind: str = "", query: str = "") -> QuerySet[Asset]:
    assets = assets_visible_to(user).prefetch_related("visible_to_tiers")
    if kind:
        assets = assets.filter(kind=kind)
    if query:
        assets = assets.filter(Q(title__matches=query) | Q(description__matches=query))
    return assets


def acting_partner(user: User) -> Partner | None:
    """The partner a partner user acts for (their primary membership); None for staff."""
    membership = primary_membership(user)
    return membership.partner if membership else None


def usage_counts(*, partner_ids, since=None) -> dict[int, dict[str, int]]:
    """{partner id: {action: count}} of asset downloads, links and co-brandings."""
    rows = AssetUsage.objects.filter(partner_id__in=list(partner_ids))
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    counts: dict[int, dict[str, int]] = {}
    for partner_id, action, n in (
        rows.order_by().values_list("partner_id", "action").annotate(n=Count("pk"))
    ):
        counts.setdefault(partner_id, {})[action] = n
    return counts


# --- Branding and co-branding -----------------------------------------------------------------


@dataclass(frozen=True)
class Branding:
    """What a partner-branded document shows: no vendor branding, only the partner's."""

    name: str
    legal_name: str
    logo_data_uri: str
    website: str
    country: str
    contact_name: str
    contact_email: str


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def partner_logo_data_uri(partner: Partner) -> str:
    """The partner's logo inlined (so pages and PDFs need no media URL); empty if unusable."""
    if not partner.logo:
        return ""
    try:
        with partner.logo.open("rb") as handle:
            data = handle.read(MAX_LOGO_BYTES + 1)
    except (OSError, ValueError):
        return ""
    if len(data) > MAX_LOGO_BYTES:
        return ""
    guessed = filetype.guess(data)
    if guessed and guessed.mime in LOGO_TYPES:
        return _data_uri(data, guessed.mime)
    if partner.logo.name.lower().endswith(".svg") and b"<svg" in data[:2048]:
        return _data_uri(data, "image/svg+xml")
    return ""


def partner_branding(partner: Partner, *, contact: User | None = None) -> Branding:
    if contact is None or contact.is_internal:
        admin = (
            PartnerMembership.objects.filter(partner=partner, role=PartnerMembership.Role.ADMIN)
            .select_related("user")
            .order_by("created_at", "pk")
            .first()
        )
        contact = admin.user if admin else None
    return Branding(
        name=partner.display_name,
        legal_name=partner.legal_name,
        logo_data_uri=partner_logo_data_uri(partner),
        website=partner.website,
        country=partner.hq_country,
        contact_name=contact.get_full_name() if contact else "",
        contact_email=contact.email if contact else "",
    )
