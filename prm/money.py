"""Money is a ``Decimal`` with a currency code, quantized explicitly. Floats are refused."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# Minor units per ISO 4217 for the currencies the program pays in.
CURRENCY_DECIMALS = {
    "USD": 2, "EUR": 2, "GBP": 2, "CAD": 2, "AUD": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2,
    "JPY": 0, "INR": 2, "BRL": 2, "MXN": 2, "SGD": 2, "NZD": 2, "ZAR": 2, "PLN": 2,
}  # fmt: skip
CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCY_DECIMALS)]
# Minor units for rounding: every currency the program may pay or convert in, including those
# with three decimals. Rounding to a currency's minor unit happens here and nowhere else.
MINOR_UNITS = {**CURRENCY_DECIMALS, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "KRW": 0}
MAX_DIGITS = 16
DECIMAL_PLACES = 2


def default_currency() -> str:
    return settings.PRM_DEFAULT_CURRENCY


def to_decimal(value) -> Decimal:
    """Parse a money amount from a string, int or Decimal; never from a float."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a string or Decimal.")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"Not an amount: {value!r}") from exc


# The largest amount accepted: 13 digits before the point, 2 after, 15 in all. A MoneyField
# column holds 16, but SQLite (the embedded default) keeps a decimal as a 64-bit float, exact
# to 15 significant digits: a 16-digit amount would come back as another number.
LARGEST_AMOUNT = Decimal(10) ** (MAX_DIGITS - 1 - DECIMAL_PLACES) - Decimal(1).scaleb(
    -DECIMAL_PLACES
)


# 12500, 12500.50, 12,500.50, -3.5: a dot for decimals, commas only as thousands separators,
# so that "12.500,00" is refused rather than read as 12.5.
_AMOUNT_TEXT = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


class InvalidAmount(ValueError):
    """Raised by ``parse_amount``; its text is the one message every entry point shows."""


def amount_message(*, allow_negative: bool = False, allow_zero: bool = True) -> str:
    """The one message for an amount that is no amount or out of range, saying the range the
    field takes (above zero where zero is refused too)."""
    values = {"high": f"{LARGEST_AMOUNT:,}", "places": DECIMAL_PLACES}
    if not allow_negative and not allow_zero:
        return str(
            _(
                "Enter an amount above zero and up to %(high)s with at most %(places)d "
                "decimals, e.g. 12500.00."
            )
            % values
        )
    low = f"-{LARGEST_AMOUNT:,}" if allow_negative else "0"
    return str(
        _(
            "Enter an amount from %(low)s to %(high)s with at most %(places)d decimals, "
            "e.g. 12500.00."
        )
        % {"low": low, **values}
    )


def parse_amount(
    value, *, required: bool = True, allow_negative: bool = False, allow_zero: bool = True
) -> Decimal | None:
    """The one check of a money amount typed in a form, sent to the API or read from a file.

    Accepts a string (thousands separators allowed), an int or a Decimal. Refuses with one
    message: text that is no number, NaN and Infinity, more decimals than the column keeps,
    amounts the column cannot store, negative amounts unless ``allow_negative``, and zero when
    not ``allow_zero`` (a deal worth nothing, a sale won for nothing). ``None`` (or blank) is
    returned when not ``required``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidAmount(_("This field is required."))
        return None
    message = amount_message(allow_negative=allow_negative, allow_zero=allow_zero)
    if isinstance(value, bool | float):
        raise InvalidAmount(message)
    if isinstance(value, str) and not _AMOUNT_TEXT.match(value.strip()):
        raise InvalidAmount(message)
    try:
        amount = to_decimal(value)
    except ValueError:
        amount = None
    if amount is None or not _within_column(amount, allow_negative=allow_negative):
        raise InvalidAmount(message)
    if not allow_zero and amount == 0:
        raise InvalidAmount(_("Enter an amount above zero."))
    return amount


def parse_positive_amount(value) -> Decimal | None:
    """A required amount above zero."""
    return parse_amount(value, allow_zero=False)


def _within_column(amount: Decimal, *, allow_negative: bool) -> bool:
    if not amount.is_finite() or abs(amount) > LARGEST_AMOUNT:
        return False
    if amount != amount.quantize(Decimal(1).scaleb(-DECIMAL_PLACES)):
        return False  # more decimals than the column keeps (trailing zeros are fine)
    return allow_negative or amount >= 0


class AmountFormField(forms.DecimalField):
    """A portal amount checked by ``parse_amount``, with its one message."""

    def __init__(self, *, allow_negative: bool = False, allow_zero: bool = True, **kwargs):
        self.allow_negative = allow_negative
        self.allow_zero = allow_zero
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(**kwargs)
        self.validators = []  # parse_amount checks digits, places and sign with one message

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_amount(
                value, allow_negative=self.allow_negative, allow_zero=self.allow_zero
            )
        except InvalidAmount as exc:
            raise ValidationError(str(exc), code="invalid") from None


class AmountSerializerField(serializers.DecimalField):
    """An API amount (a decimal string) checked by ``parse_amount``, with its one message."""

    def __init__(self, *, allow_negative: bool = False, allow_zero: bool = True, **kwargs):
        self.allow_negative = allow_negative
        self.allow_zero = allow_zero
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        if not allow_negative:
            # The schema's minimum: zero, or the smallest amount when zero is refused.
            kwargs.setdefault("min_value", Decimal(0) if allow_zero else Decimal("0.01"))
        kwargs.setdefault("max_value", LARGEST_AMOUNT)
        super().__init__(**kwargs)
        self.validators = []

    def to_internal_value(self, data):
        if isinstance(data, float):
            data = repr(data)  # a JSON number: its shortest exact spelling, e.g. 12500.5
        try:
            return parse_amount(
                data,
                required=not self.allow_null,
                allow_negative=self.allow_negative,
                allow_zero=self.allow_zero,
            )
        except InvalidAmount as exc:
            raise serializers.ValidationError(str(exc), code="invalid") from None


def quantize(amount, currency: str | None = None) -> Decimal:
    """Round half up to the currency's minor unit."""
    places = minor_unit(currency or default_currency())
    return to_decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def minor_unit(currency: str) -> int:
    """Digits after the decimal point in ``currency`` (JPY 0, USD 2, BHD 3); 2 when unknown."""
    return MINOR_UNITS.get(currency.upper(), 2)


def format_money(amount, currency: str | None = None) -> str:
    currency = (currency or default_currency()).upper()
    return f"{currency} {quantize(amount, currency):,}"


class MoneyField(models.DecimalField):
    """A non-negative-agnostic amount column with the project's precision."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(*args, **kwargs)


class CurrencyField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("choices", CURRENCY_CHOICES)
        kwargs.setdefault("default", default_currency)
        kwargs.setdefault("verbose_name", _("currency"))
        super().__init__(*args, **kwargs)
