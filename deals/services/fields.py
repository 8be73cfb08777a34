"""Validation and normalisation of registration fields, shared by creating, editing and the
CSV import. Every bad field is reported at once, by name, in ``InvalidDealData.details``."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner
from prm.countries import is_country_code
from prm.money import CURRENCY_DECIMALS, parse_positive_amount, quantize
from prm.text import clean_name

from .. import conflicts
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
# Text that is not a column of limited length (notes) still has a sane bound.
_NOTES_LIMIT = 10_000
# Expected close dates further out than this are typing errors (9999-12-31), not forecasts.
EXPECTED_CLOSE_YEARS = 5


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


def _column_length(name: str) -> int | None:
    field = DealRegistration._meta.get_field(name)
    return getattr(field, "max_length", None)


def _clean_text(name: str, *, required: bool = False, is_name: bool = False):
    """A cleaner for the text column ``name``: names lose invisible characters (``clean_name``)
    and every value must fit the column."""
    limit = _column_length(name) or _NOTES_LIMIT

    def clean(value) -> str:
        text = clean_name(value) if is_name else str(value or "").strip()
        if required and not text:
            raise ValueError(_("This field is required."))
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


def _clean_close_date(value) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValueError(_("Give a date (YYYY-MM-DD)."))
    today = timezone.localdate()
    if value < today:
        raise ValueError(_("The expected close date must not be in the past."))
    if value > latest_expected_close(today):
        raise ValueError(
            _("The expected close date must be within %(n)d years from today.")
            % {"n": EXPECTED_CLOSE_YEARS}
        )
    return value


def latest_expected_close(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year + EXPECTED_CLOSE_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + EXPECTED_CLOSE_YEARS, day=28)


def _clean_domain(value) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    domain = conflicts.registrable_domain(text)
    if not domain or not _fits_dns(domain):
        raise ValueError(
            _("%(value)s is not a website domain (e.g. example.com).") % {"value": text}
        )
    return domain


def _fits_dns(domain: str) -> bool:
    """At most 253 characters (the column, and DNS) in labels of at most 63."""
    limit = _column_length("customer_domain") or 253
    return len(domain) <= limit and all(len(label) <= 63 for label in domain.split("."))


def _clean_email(value) -> str:
    text = str(value or "").strip().lower()
    if len(text) > (_column_length("contact_email") or 254):
        raise ValueError(_("%(value)s is not an email address.") % {"value": text[:60] + "…"})
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
        name = clean_name(item)
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
    "customer_name": _clean_text("customer_name", required=True, is_name=True),
    "customer_domain": _clean_domain,
    "contact_name": _clean_text("contact_name", is_name=True),
    "contact_email": _clean_email,
    "country": _clean_country,
    "industry": _clean_text("industry"),
    "product_lines": clean_products,
    "estimated_amount": parse_positive_amount,
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
        raise duplicate_ref(pk, external_ref)


def registrations_by_ref(partner: Partner, external_refs: Iterable[str]) -> dict[str, int]:
    """The partner's registrations already using one of ``external_refs``: {reference: id}."""
    refs = sorted({ref for ref in external_refs if ref})
    if not refs:
        return {}
    return dict(
        DealRegistration.objects.filter(partner=partner, external_ref__in=refs).values_list(
            "external_ref", "pk"
        )
    )


def duplicate_ref(pk: int, external_ref: str) -> DuplicateRegistration:
    return DuplicateRegistration(
        _("Registration #%(pk)s already uses the CRM reference %(ref)s.")
        % {"pk": pk, "ref": external_ref},
        details={"external_ref": external_ref, "registration": pk},
    )
