"""Reads of the vendor's customer accounts and opportunities.

Open opportunities take part in conflict checks. Partners never see them.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from ..models import CustomerAccount, Opportunity


def can_write_accounts(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_program_ops)


def accounts_visible_to(user) -> QuerySet[CustomerAccount]:
    """The vendor's accounts are internal: channel managers and ops see them, partners never."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_internal:
        return CustomerAccount.objects.none()
    return CustomerAccount.objects.all()


def get_account_for_user(user, crm_id: str) -> CustomerAccount:
    return get_object_or_404(accounts_visible_to(user), crm_id=crm_id)


def opportunities_visible_to(user) -> QuerySet[Opportunity]:
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_internal:
        return Opportunity.objects.none()
    return Opportunity.objects.select_related("account")


def get_opportunity_for_user(user, crm_id: str) -> Opportunity:
    return get_object_or_404(opportunities_visible_to(user), crm_id=crm_id)
