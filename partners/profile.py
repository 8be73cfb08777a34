"""The organisation's profile: what its admins keep up to date themselves and what program ops
change (the agreement's facts), each change audited with its before and after. A change of the
terms commissions are paid on keeps the earlier terms for deals closed before it."""

import unicodedata

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_change, snapshot
from prm.exceptions import PermissionDenied
from prm.locks import lock
from prm.models import User

from .exceptions import PartnerError
from .models import BusinessModel, Partner, PartnerTerms
from .selectors import partner_access

# What a partner's admins keep up to date themselves: how the organisation presents itself.
PROFILE_FIELDS = ("display_name", "website", "regions_served", "target_sectors", "solution_stack")
# What the contract and the payouts rest on: program ops change it, partners ask their manager.
CONTRACT_FIELDS = ("legal_name", "hq_country", "business_model", "compensation_preference")
# The terms commissions are paid on: a change applies to deals closed from the day it is made.
TERMS = ("business_model", "compensation_preference")


def profile_fields_for(actor: User, partner: Partner) -> tuple[str, ...]:
    """The profile fields ``actor`` may change on ``partner`` (none outside their rights)."""
    if actor.is_program_ops:
        return (*CONTRACT_FIELDS, *PROFILE_FIELDS)
    if partner.pk in partner_access(actor).admin_of:
        return PROFILE_FIELDS
    return ()


def _name_taken(partner: Partner, name: str) -> bool:
    """Whether another partner has ``name`` as its trading or legal name, in any case and in
    any width ("ＢluePeak" is "BluePeak")."""
    spellings = {name, unicodedata.normalize("NFKC", name)}
    taken = Q()
    for spelling in spellings:
        taken |= Q(display_name__iexact=spelling) | Q(legal_name__iexact=spelling)
    return Partner.objects.exclude(pk=partner.pk).filter(taken).exists()


@transaction.atomic
def update_partner_profile(*, partner: Partner, actor: User, changes: dict) -> Partner:
    """Change the organisation's profile: its admins the way it presents itself, program ops
    also the contract's facts. One audit row holds every field's before and after."""
    allowed = profile_fields_for(actor, partner)
    if not allowed:
        raise PermissionDenied(_("Only this partner's admins may change its profile."))
    refused = sorted(set(changes) - set(allowed))
    if refused:
        labels = {field.name: str(field.verbose_name) for field in Partner._meta.fields}
        raise PermissionDenied(
            _("Ask your channel account manager to change: %(fields)s.")
            % {"fields": ", ".join(labels.get(name, name) for name in refused)}
        )
    partner = lock(Partner, partner.pk)
    for field in ("display_name", "legal_name"):
        name = changes.get(field)
        if name and _name_taken(partner, name):
            # Staff tell partners apart by their names on every list, queue and notice.
            raise PartnerError(
                _("Another partner of the program is called %(name)s.") % {"name": name},
                code="name_taken",
                details={field: _("Another partner is called that; choose another name.")},
            )
    new_model = changes.get("business_model", partner.business_model)
    if (
        new_model == BusinessModel.DISTRIBUTOR
        and partner.business_model != new_model
        and partner.parent_distributor_id
    ):
        raise PartnerError(
            _("A reseller under a distributor cannot become a distributor itself."),
            code="distributor_under_distributor",
            details={"business_model": _("This partner sells through a distributor.")},
        )
    if (
        partner.is_distributor
        and new_model != partner.business_model
        and partner.resellers.exists()
    ):
        raise PartnerError(
            _("A distributor with resellers stays a distributor; move its resellers first."),
            code="distributor_has_resellers",
            details={"business_model": _("This distributor has resellers.")},
        )
    fields = list(changes)
    before = snapshot(partner, fields)
    if any(changes.get(name, getattr(partner, name)) != getattr(partner, name) for name in TERMS):
        # Deals closed until today are paid on the terms they closed under.
        PartnerTerms.objects.create(
            partner=partner,
            business_model=partner.business_model,
            compensation_preference=partner.compensation_preference,
            effective_to=timezone.localdate(),
            changed_by=actor,
        )
    for name, value in changes.items():
        setattr(partner, name, value)
    partner.save(update_fields=[*fields, "updated_at"])
    record_change(
        partner,
        actor=actor,
        verb="partner.profile_changed",
        before=before,
        after=snapshot(partner, fields),
    )
    return partner
