"""The business-case calculation: model definitions checked as data, inputs parsed, results
computed and displayed. Pure functions over a model's definition; nothing here reads or writes
the database.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from prm.exceptions import DomainError
from prm.money import format_money, quantize

from .. import expressions
from ..models import BusinessCase, BusinessCaseModel

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
FORMATS = {choice.value for choice in BusinessCaseModel.Format}
MAX_INPUT_MAGNITUDE = Decimal("1e13")


class BusinessCaseError(DomainError):
    """The business case cannot be built."""

    code = "business_case_error"


class InvalidInputs(BusinessCaseError):
    """Some of the prospect's figures are missing or not valid."""

    code = "invalid_inputs"


# --- Definitions ------------------------------------------------------------------------------


def _decimal(value, what: str) -> Decimal:
    """A decimal from a JSON string or integer; floats are refused, they are not exact."""
    if isinstance(value, bool | float):
        raise ValueError(_('%(what)s must be written as a string, e.g. "12.50".') % {"what": what})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(
            _("%(what)s is not a number: %(value)r.") % {"what": what, "value": value}
        ) from exc
    if not number.is_finite():
        raise ValueError(_("%(what)s is not a finite number.") % {"what": what})
    return number


def _check_key(key, seen: set[str], what: str) -> str | None:
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        return _(
            "%(what)s: the key %(key)r must start with a lower-case letter and use only a-z, "
            "0-9 and _ (at most 40 characters)."
        ) % {"what": what, "key": key}
    if key in expressions.FUNCTIONS:
        return _("%(what)s: %(key)s is a function name and cannot be a key.") % {
            "what": what,
            "key": key,
        }
    if key in seen:
        return _("%(what)s: the key %(key)s is used twice.") % {"what": what, "key": key}
    return None


def _input_errors(inputs, seen: set[str]) -> list[str]:
    if not isinstance(inputs, list) or not inputs:
        return [_("Give at least one input, as a list of {key, label, unit, default, min}.")]
    errors = []
    for index, spec in enumerate(inputs, start=1):
        what = _("Input %(n)s") % {"n": index}
        if not isinstance(spec, dict):
            errors.append(_("%(what)s must be an object.") % {"what": what})
            continue
        problem = _check_key(spec.get("key"), seen, what)
        if problem:
            errors.append(problem)
        else:
            seen.add(spec["key"])
        if not str(spec.get("label", "")).strip():
            errors.append(_("%(what)s needs a label.") % {"what": what})
        for field in ("default", "min"):
            if spec.get(field) not in (None, ""):
                try:
                    _decimal(spec[field], f"{what} {field}")
                except ValueError as exc:
                    errors.append(str(exc))
    return errors


def _assumption_errors(assumptions, seen: set[str]) -> list[str]:
    if not isinstance(assumptions, dict):
        return [_("Assumptions must be an object of key → number as a string.")]
    errors = []
    for key, value in assumptions.items():
        what = _("Assumption %(key)s") % {"key": key}
        problem = _check_key(key, seen, what)
        if problem:
            errors.append(problem)
            continue
        seen.add(key)
        try:
            _decimal(value, what)
        except ValueError as exc:
            errors.append(str(exc))
    return errors


def _formula_errors(formulas, seen: set[str]) -> list[str]:
    if not isinstance(formulas, list) or not formulas:
        return [_("Give at least one formula, as a list of {key, label, expression, format}.")]
    errors = []
    for index, spec in enumerate(formulas, start=1):
        what = _("Formula %(n)s") % {"n": index}
        if not isinstance(spec, dict):
            errors.append(_("%(what)s must be an object.") % {"what": what})
            continue
        key = spec.get("key")
        problem = _check_key(key, seen, what)
        if problem:
            errors.append(problem)
        what = f"{what} ({key})" if isinstance(key, str) else what
        if not str(spec.get("label", "")).strip():
            errors.append(_("%(what)s needs a label.") % {"what": what})
        if spec.get("format") not in FORMATS:
            errors.append(
                _("%(what)s: format must be one of %(formats)s.")
                % {"what": what, "formats": ", ".join(sorted(FORMATS))}
            )
        try:
            # Only names defined above this formula: no forward references, no cycles.
            expressions.check(str(spec.get("expression", "")), known=seen)
        except expressions.ExpressionError as exc:
            errors.append(f"{what}: {exc.message}")
        if not problem and isinstance(key, str):  # a key without a problem is a str
            seen.add(key)
    return errors


def definition_errors(
    *, inputs, assumptions, formulas, deal_amount_key: str = ""
) -> dict[str, list[str]]:
    """Every problem of a model definition, by field; empty when the model can be used.

    A definition that reads well is also run once with the default inputs, so a formula that
    divides by zero for the model's own example is caught before any partner sees it.
    """
    seen: set[str] = set()
    errors = {
        "inputs": _input_errors(inputs, seen),
        "assumptions": _assumption_errors(assumptions, seen),
        "formulas": _formula_errors(formulas, seen),
    }
    if deal_amount_key and deal_amount_key not in seen:
        errors["deal_amount_key"] = [
            _("%(key)s is not an input or a formula of this model.") % {"key": deal_amount_key}
        ]
    errors = {field: messages for field, messages in errors.items() if messages}
    if not errors:
        example = {spec["key"]: _example_value(spec) for spec in inputs}
        try:
            evaluate_definition(assumptions=assumptions, formulas=formulas, inputs=example)
        except expressions.ExpressionError as exc:
            errors["formulas"] = [_("With the default inputs, %(error)s") % {"error": exc.message}]
    return errors


def _example_value(spec: dict) -> Decimal:
    for field in ("default", "min"):
        if spec.get(field) not in (None, ""):
            return _decimal(spec[field], field)
    return Decimal(1)


# --- Calculation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultLine:
    key: str
    label: str
    format: str
    value: Decimal
    display: str


def evaluate_definition(*, assumptions: Mapping, formulas: list, inputs: Mapping) -> dict:
    """Every formula's exact value, in order; raises ``ExpressionError`` naming the formula."""
    variables = {key: _decimal(value, key) for key, value in assumptions.items()}
    variables.update(inputs)
    values = {}
    for spec in formulas:
        try:
            value = expressions.evaluate(spec["expression"], variables)
        except expressions.ExpressionError as exc:
            raise expressions.ExpressionError(
                _("formula %(label)s: %(error)s") % {"label": spec["label"], "error": exc.message},
                code=exc.code,
                details={"formula": spec["key"]},
            ) from exc
        variables[spec["key"]] = value
        values[spec["key"]] = value
    return values


def parse_inputs(model: BusinessCaseModel, raw: Mapping) -> dict[str, Decimal]:
    """The prospect's figures as decimals; blank values take the model's default."""
    values, errors = {}, {}
    for spec in model.inputs:
        key, label = spec["key"], spec["label"]
        given = raw.get(key)
        if given is None or (isinstance(given, str) and not given.strip()):
            given = spec.get("default")
        if given in (None, ""):
            errors[key] = _("Enter %(label)s.") % {"label": label}
            continue
        try:
            value = _decimal(given, label)
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        minimum = spec.get("min")
        if minimum not in (None, "") and value < _decimal(minimum, "min"):
            errors[key] = _("%(label)s must be at least %(min)s.") % {
                "label": label,
                "min": minimum,
            }
        elif abs(value) >= MAX_INPUT_MAGNITUDE:
            errors[key] = _("%(label)s is too large.") % {"label": label}
        else:
            values[key] = value
    unknown = sorted(set(raw) - {spec["key"] for spec in model.inputs})
    if unknown:
        errors["__all__"] = _("Unknown input(s): %(keys)s.") % {"keys": ", ".join(unknown)}
    if errors:
        raise InvalidInputs(_("Some figures are missing or not valid."), details=errors)
    return values


def _stored(value: Decimal, fmt: str, currency: str) -> Decimal:
    if fmt == BusinessCaseModel.Format.MONEY:
        return quantize(value, currency)
    places = {"percent": 4, "months": 1}.get(fmt, 2)
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def display_value(value: Decimal, fmt: str, currency: str) -> str:
    if fmt == BusinessCaseModel.Format.MONEY:
        return format_money(value, currency)
    if fmt == BusinessCaseModel.Format.PERCENT:
        percent = (value * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return f"{percent:,} %"
    if fmt == BusinessCaseModel.Format.MONTHS:
        months = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return _("%(n)s months") % {"n": f"{months:,}"}
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def calculate(
    model: BusinessCaseModel, inputs: Mapping[str, Decimal], currency: str
) -> list[ResultLine]:
    try:
        values = evaluate_definition(
            assumptions=model.assumptions, formulas=model.formulas, inputs=inputs
        )
    except expressions.ExpressionError as exc:
        raise BusinessCaseError(exc.message, code=exc.code, details=exc.details) from exc
    lines = []
    for spec in model.formulas:
        value = _stored(values[spec["key"]], spec["format"], currency)
        lines.append(
            ResultLine(
                spec["key"],
                spec["label"],
                spec["format"],
                value,
                display_value(value, spec["format"], currency),
            )
        )
    return lines


def result_lines(case: BusinessCase) -> list[ResultLine]:
    """A saved case's results for display (from the stored strings, never recomputed)."""
    return [
        ResultLine(
            row["key"],
            row["label"],
            row["format"],
            Decimal(row["value"]),
            display_value(Decimal(row["value"]), row["format"], case.currency),
        )
        for row in case.results
    ]


def input_lines(case: BusinessCase) -> list[dict]:
    """The figures the partner entered, with the model's labels and units."""
    specs = {spec["key"]: spec for spec in case.model.inputs}
    return [
        {
            "key": key,
            "label": specs.get(key, {}).get("label", key),
            "unit": specs.get(key, {}).get("unit", ""),
            "value": Decimal(value),
        }
        for key, value in case.inputs.items()
    ]
