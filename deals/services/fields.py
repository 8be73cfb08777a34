"""Validation and normalisation of registration fields, shared by creating, editing and the
CSV import. Every bad field is reported at once, by name, in ``InvalidDealData.details``."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner
from prm.money import CURRENCY_DECIMALS, MAX_DIGITS, quantize, to_decimal

from .. import conflicts
from ..countries import is_country_code
from ..exceptions import (
    DuplicateRegistration,
    InvalidDealData,
)
from ..models import DealRegistration

EDITABLE_FIELDS = (
    "customer_name",
    "customer_domain",
    "contact_name",
    "contact_email",
    "country",
    "industry",
    "product_lines",
    "estimated_amount",
    "currency",
    "expected_close_date",
    "sourcing",
    "engagement",
    "notes",
    "external_ref",
)
_TEXT_LIMITS = {
    "customer_name": 200,
    "contact_name": 150,
    "industry": 80,
    "external_ref": 100,
    "notes": 10_000,
}
_LARGEST_AMOUNT = Decimal(10) ** (MAX_DIGITS - 2)


def clean_registration_fields(fields: dict) -> dict:
    """Validate and normalise the given registration fields; raise ``InvalidDealData`` naming
    every bad field at once. Only the keys present are checked (for partial updates)."""
    values: dict = {}
    errors: dict[str, str] = {}
    for name, raw in fields.items():
        try:
            values[name] = _CLEANERS[name](raw)
        except ValueError as exc:
            errors[name] = str(exc)
    if "estimated_amount" in values and "currency" in values:
        values["estimated_amount"] = quantize(values["estimated_amount"], values["currency"])
    if errors:
        summary = "; ".join(f"{name}: {message}" for name, message in errors.items())
        raise InvalidDealData(
            _("The registration has invalid fields: %(summary)s") % {"summary": summary},
            details=errors,
        )
    return values


def _clean_text(name: str, *, required: bool = False):
    def clean(value) -> str:
        text = str(value or "").strip()
        if required and not text:
            raise ValueError(_("This field is required."))
        limit = _TEXT_LIMITS[name]
        if len(text) > limit:
            raise ValueError(_("Use at most %(n)d characters.") % {"n": limit})
        return text

    return clean


def _clean_country(value) -> str:
    code = str(value or "").strip().upper()
    if not code:
        raise ValueError(_("This field is required."))
    if not is_country_code(code):
        raise ValueError(
            _("%(code)s is not an ISO 3166 country code (use e.g. US, DE, GB).") % {"code": code}
        )
    return code


def _clean_currency(value) -> str:
    code = str(value or "").strip().upper()
    if code not in CURRENCY_DECIMALS:
        raise ValueError(
            _("%(code)s is not a supported currency (%(codes)s).")
            % {"code": code or "''", "codes": ", ".join(sorted(CURRENCY_DECIMALS))}
        )
    return code


def clean_amount(value, *, required: bool = True) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(_("This field is required."))
        return None
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(_("%(value)s is not an amount.") % {"value": repr(value)}) from exc
    if not amount.is_finite():
        raise ValueError(_("%(value)s is not an amount.") % {"value": repr(value)})
    if amount < 0:
        raise ValueError(_("The amount must not be negative."))
    if amount >= _LARGEST_AMOUNT:
        raise ValueError(_("The amount is too large."))
    return amount


def _clean_close_date(value) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValueError(_("Give a date (YYYY-MM-DD)."))
    if value < timezone.localdate():
        raise ValueError(_("The expected close date must not be in the past."))
    return value


def _clean_domain(value) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    domain = conflicts.registrable_domain(text)
    if not domain:
        raise ValueError(
            _("%(value)s is not a website domain (e.g. example.com).") % {"value": text}
        )
    return domain


def _clean_email(value) -> str:
    text = str(value or "").strip().lower()
    if text:
        try:
            validate_email(text)
        except ValidationError as exc:
            raise ValueError(_("%(value)s is not an email address.") % {"value": text}) from exc
    return text


def clean_products(value) -> list[str]:
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    if not isinstance(value, Iterable):
        raise ValueError(_("Give a list of product lines."))
    products: list[str] = []
    for item in value:
        name = str(item).strip()
        if name and name not in products:
            products.append(name[:80])
    return products


def _clean_choice(choices):
    def clean(value) -> str:
        if value not in choices.values:
            raise ValueError(
                _("%(value)s is not one of %(allowed)s.")
                % {"value": value or "''", "allowed": ", ".join(choices.values)}
            )
        return value

    return clean


_CLEANERS = {
    "customer_name": _clean_text("customer_name", required=True),
    "customer_domain": _clean_domain,
    "contact_name": _clean_text("contact_name"),
    "contact_email": _clean_email,
    "country": _clean_country,
    "industry": _clean_text("industry"),
    "product_lines": clean_products,
    "estimated_amount": clean_amount,
    "currency": _clean_currency,
    "expected_close_date": _clean_close_date,
    "sourcing": _clean_choice(DealRegistration.Sourcing),
    "engagement": _clean_choice(DealRegistration.Engagement),
    "notes": _clean_text("notes"),
    "external_ref": _clean_text("external_ref"),
}


def normalize_fields(registration: DealRegistration) -> None:
    registration.customer_name_normalized = conflicts.normalize_company_name(
        registration.customer_name
    )[:200]
    # Free-mail domains (gmail.com, …) say nothing about the customer, so they are not stored.
    registration.contact_email_domain = conflicts.company_domain(registration.contact_email)


def refuse_duplicate_ref(partner: Partner, external_ref: str, *, exclude=None) -> None:
    if not external_ref:
        return
    existing = DealRegistration.objects.filter(partner=partner, external_ref=external_ref)
    if exclude is not None:
        existing = existing.exclude(pk=exclude.pk)
    pk = existing.values_list("pk", flat=True).first()
    if pk is not None:
        raise DuplicateRegistration(
            _("Registration #%(pk)s already uses the CRM reference %(ref)s.")
            % {"pk": pk, "ref": external_ref},
            details={"external_ref": external_ref, "registration": pk},
        )
