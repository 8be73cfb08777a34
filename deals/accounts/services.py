"""Writes to the vendor's own customer accounts and opportunities, kept in step with its CRM by
``crm_id``.

Only program operations (people or internal API keys acting as an ops principal) write them.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.countries import is_country_code
from prm.exceptions import DomainError, PermissionDenied
from prm.models import User
from prm.money import CURRENCY_DECIMALS, default_currency, parse_amount, quantize

from ..conflicts import normalize_company_name, registrable_domain
from ..models import CustomerAccount, Opportunity
from .selectors import can_write_accounts


class InvalidAccountData(DomainError):
    """Some fields are missing or invalid. ``details`` maps each field to its message."""

    code = "invalid_account_data"
    status_code = 400


class UnknownAccount(DomainError):
    """No customer account has this CRM id; upsert the account first."""

    code = "unknown_account"
    status_code = 400


def _require_writer(actor: User) -> None:
    if not can_write_accounts(actor):
        raise PermissionDenied(_("Only program operations can change customer accounts."))


def _invalid(field: str, message: str) -> InvalidAccountData:
    return InvalidAccountData(_("Some fields are not valid."), details={field: [message]})


def _clean_crm_id(value) -> str:
    text = str(value or "").strip()
    if not text or len(text) > 64:
        raise _invalid("crm_id", _("A CRM id of 1 to 64 characters is required."))
    return text


def _clean_country(value) -> str:
    code = str(value or "").strip().upper()
    if code and not is_country_code(code):
        raise _invalid("country", _("Use a two-letter ISO country code."))
    return code


def _changes(obj, values: dict) -> dict:
    return {
        field: [_jsonable(getattr(obj, field)), _jsonable(value)]
        for field, value in values.items()
        if getattr(obj, field) != value
    }


def _jsonable(value):
    if isinstance(value, Decimal | dt.date):
        return str(value)
    return value


@transaction.atomic
def upsert_account(
    *, crm_id: str, name: str, domain: str = "", country: str = "", actor: User
) -> tuple[CustomerAccount, bool]:
    """Create or update the account with this CRM id; returns ``(account, created)``."""
    _require_writer(actor)
    crm_id = _clean_crm_id(crm_id)
    name = str(name or "").strip()
    if not name or len(name) > 200:
        raise _invalid("name", _("A name of 1 to 200 characters is required."))
    domain_text = str(domain or "").strip()
    values = {
        "name": name,
        "normalized_name": normalize_company_name(name),
        "domain": registrable_domain(domain_text),
        "country": _clean_country(country),
    }
    if domain_text and not values["domain"]:
        raise _invalid("domain", _("Enter a website or domain such as example.com."))
    account = CustomerAccount.objects.select_for_update().filter(crm_id=crm_id).first()
    if account is None:
        try:
            with transaction.atomic():
                account = CustomerAccount.objects.create(crm_id=crm_id, **values)
        except IntegrityError:
            # A concurrent upsert created it first: update that row instead.
            account = CustomerAccount.objects.select_for_update().get(crm_id=crm_id)
        else:
            record_event(account, actor=actor, verb="created", data={"crm_id": crm_id})
            return account, True
    changes = _changes(account, values)
    if changes:
        for field, value in values.items():
            setattr(account, field, value)
        account.save(update_fields=[*values, "updated_at"])
        record_event(account, actor=actor, verb="updated", data={"changes": changes})
    return account, False


@transaction.atomic
def upsert_opportunity(
    *,
    crm_id: str,
    account_crm_id: str,
    name: str,
    stage: str,
    amount=None,
    currency: str = "",
    owner_email: str = "",
    expected_close_date: dt.date | None = None,
    actor: User,
) -> tuple[Opportunity, bool]:
    """Create or update the opportunity with this CRM id; returns ``(opportunity, created)``.
    A stage change is audited as a state change (open → won / lost)."""
    _require_writer(actor)
    crm_id = _clean_crm_id(crm_id)
    account = CustomerAccount.objects.filter(crm_id=str(account_crm_id or "").strip()).first()
    if account is None:
        raise UnknownAccount(details={"account_crm_id": [_("No account has this CRM id.")]})
    values = _clean_opportunity(name, stage, amount, currency, owner_email, expected_close_date)
    values["account_id"] = account.pk
    opportunity = Opportunity.objects.select_for_update().filter(crm_id=crm_id).first()
    if opportunity is None:
        try:
            with transaction.atomic():
                opportunity = Opportunity.objects.create(crm_id=crm_id, **values)
        except IntegrityError:
            # A concurrent upsert created it first: update that row instead.
            opportunity = Opportunity.objects.select_for_update().get(crm_id=crm_id)
        else:
            record_event(
                opportunity,
                actor=actor,
                verb="created",
                to_state=opportunity.stage,
                data={"crm_id": crm_id, "account": account.crm_id},
            )
            return opportunity, True
    previous_stage = opportunity.stage
    changes = _changes(opportunity, values)
    if changes:
        for field, value in values.items():
            setattr(opportunity, field, value)
        opportunity.save(update_fields=[*values, "updated_at"])
        moved = previous_stage != opportunity.stage
        record_event(
            opportunity,
            actor=actor,
            verb="stage_changed" if moved else "updated",
            from_state=previous_stage if moved else "",
            to_state=opportunity.stage if moved else "",
            data={"changes": changes},
        )
    return opportunity, False


def _clean_opportunity(name, stage, amount, currency, owner_email, expected_close_date) -> dict:
    name = str(name or "").strip()
    if not name or len(name) > 200:
        raise _invalid("name", _("A name of 1 to 200 characters is required."))
    if stage not in Opportunity.Stage.values:
        raise _invalid(
            "stage", _("Use one of: %(stages)s.") % {"stages": ", ".join(Opportunity.Stage.values)}
        )
    currency = str(currency or default_currency()).strip().upper()
    if currency not in CURRENCY_DECIMALS:
        raise _invalid("currency", _("Unknown currency code."))
    try:
        amount = parse_amount(amount, required=False)
    except ValueError as exc:
        raise _invalid("amount", str(exc)) from None
    if amount is not None:
        amount = quantize(amount, currency)
    owner_email = str(owner_email or "").strip().lower()
    if owner_email:
        try:
            validate_email(owner_email)
        except ValidationError:
            raise _invalid("owner_email", _("Enter a valid email address.")) from None
    if expected_close_date is not None and not isinstance(expected_close_date, dt.date):
        try:
            expected_close_date = parse_date(str(expected_close_date))
        except ValueError:
            expected_close_date = None
        if expected_close_date is None:
            raise _invalid("expected_close_date", _("Use a date such as 2026-03-31."))
    return {
        "name": name,
        "stage": stage,
        "amount": amount,
        "currency": currency,
        "owner_email": owner_email,
        "expected_close_date": expected_close_date,
    }
