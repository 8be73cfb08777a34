"""Reads for conflicts: the partner's pre-check before submitting, who may resolve what, and the
reviewer's scoped lists.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.timezone import now
from django.utils.translation import gettext as _

from prm.formatting import format_date

from ..models import DealConflict, DealRegistration
from .detection import find_conflict_candidates


@dataclass(frozen=True)
class PrecheckResult:
    """What a partner may learn before submitting: that the account is taken and until when,
    never by whom."""

    protected_until: dt.datetime | None
    message: str


def protection_precheck(
    *,
    customer_name: str,
    customer_domain: str = "",
    contact_email: str = "",
    country: str = "",
    for_partner,
) -> PrecheckResult | None:
    """A strong match on another partner's approved registration or an open vendor opportunity
    tells the partner the account is already protected (and until when)."""
    partner_id = getattr(for_partner, "pk", for_partner)
    strong = [
        c
        for c in find_conflict_candidates(
            customer_name=customer_name,
            customer_domain=customer_domain,
            contact_email=contact_email,
            country=country,
        )
        if c.is_strong
    ]
    protected = [
        c.registration.protected_until
        for c in strong
        if c.registration is not None
        and c.registration.status == DealRegistration.Status.APPROVED
        and c.registration.partner_id != partner_id
        and (c.registration.protected_until is None or c.registration.protected_until > now())
    ]
    if protected:
        until = max((p for p in protected if p is not None), default=None)
        if until is None:
            return PrecheckResult(None, str(_("This account is already protected.")))
        return PrecheckResult(
            until,
            _("This account is already protected until %(date)s.") % {"date": format_date(until)},
        )
    if any(c.opportunity is not None for c in strong):
        return PrecheckResult(
            None, str(_("Our own sales team is already working on this account."))
        )
    return None


def can_resolve_conflict(user, conflict: DealConflict) -> bool:
    """The channel account manager of the new registration's partner, or program ops."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_program_ops or (
        user.is_channel_manager and conflict.registration.partner.channel_manager_id == user.pk
    )


RESOLUTIONS_FOR = {
    "registration": {
        DealConflict.Resolution.NOT_A_CONFLICT,
        DealConflict.Resolution.FIRST_REGISTERED_WINS,
        DealConflict.Resolution.NEW_REGISTRATION_WINS,
    },
    "opportunity": {
        DealConflict.Resolution.NOT_A_CONFLICT,
        DealConflict.Resolution.VENDOR_OPPORTUNITY_WINS,
        DealConflict.Resolution.NEW_REGISTRATION_WINS,
    },
}


def first_registered(conflict: DealConflict) -> DealRegistration | None:
    """Of the two registrations, the one registered first (None against an opportunity)."""
    existing = conflict.existing_registration
    if existing is None:
        return None
    pair = [conflict.registration, existing]
    return min(
        pair, key=lambda r: (r.first_submitted_at is None, r.first_submitted_at or now(), r.pk)
    )


def later_registered(conflict: DealConflict) -> DealRegistration | None:
    """Of the two registrations, the one registered after the other (None against an
    opportunity): the one "first registered is protected" rejects."""
    first = first_registered(conflict)
    if first is None:
        return None
    return (
        conflict.existing_registration if first == conflict.registration else conflict.registration
    )


def registrations_reviewable_by(user) -> QuerySet[DealRegistration]:
    """Registrations whose conflicts this user may compare and resolve: ops see all, a channel
    account manager those of their partners, partner users none (404)."""
    base = DealRegistration.objects.select_related("partner", "registered_by")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    if user.is_program_ops:
        return base
    if user.is_channel_manager:
        return base.filter(partner__channel_manager=user)
    return base.none()


def get_reviewable_registration(user, pk) -> DealRegistration:
    return get_object_or_404(registrations_reviewable_by(user), pk=pk)


def conflicts_for_review(registration: DealRegistration) -> QuerySet[DealConflict]:
    """Every conflict of one registration with both sides loaded for the comparison page."""
    return registration.conflicts.select_related(
        "existing_registration__partner",
        "existing_registration__registered_by",
        "existing_opportunity__account",
        "resolved_by",
    ).order_by("-score", "id")


def conflicts_visible_to(user) -> QuerySet[DealConflict]:
    """Conflicts of the registrations the user may review (the API's list)."""
    return DealConflict.objects.filter(
        registration__in=registrations_reviewable_by(user).values("pk")
    ).select_related(
        "registration__partner",
        "existing_registration__partner",
        "existing_opportunity__account",
        "resolved_by",
    )


def get_conflict_for_user(user, pk) -> DealConflict:
    return get_object_or_404(conflicts_visible_to(user), pk=pk)


def conflicts_raised_against(user, registration: DealRegistration) -> QuerySet[DealConflict]:
    """Conflicts later registrations raised against ``registration``, for vendor staff who see
    it (its channel account manager, ops): another partner's manager may decide them, and the
    partner holding the protection has a stake in the decision. Partner users see none: the
    other registration is another partner's."""
    if not getattr(user, "is_authenticated", False) or not user.is_internal:
        return DealConflict.objects.none()
    return (
        DealConflict.objects.filter(existing_registration=registration)
        .select_related("registration__partner__channel_manager", "resolved_by")
        .order_by("-created_at", "-id")
    )


def other_side_managers(conflict: DealConflict) -> list:
    """The channel account manager of the earlier registration's partner, when another partner
    registered the later one and its manager is not the same person (empty otherwise)."""
    existing = conflict.existing_registration
    if existing is None or existing.partner_id == conflict.registration.partner_id:
        return []
    theirs = existing.partner.channel_manager
    if theirs is None or theirs.pk == conflict.registration.partner.channel_manager_id:
        return []
    return [theirs]
