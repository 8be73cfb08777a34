"""Money is a ``Decimal`` with a currency code, quantized explicitly. Floats are refused."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
